"""An item's fingerprint (what matching needs of it) and how alike two fingerprints are as stories."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .decide import REWORDED_COSINE, REWORDED_NAMES, same_event, same_template_other_day
from .minhash import batch_band_keys, batch_shingles, batch_signatures, similarity, story_text, title_key
from .terms import Terms, name_keys, story_terms


@dataclass(frozen=True)
class Fingerprint:
    """Computed where the item is parsed (a worker process) so the storing thread only looks things up."""

    text: str  # the story text: matching form of title + lede
    shingles: np.ndarray
    keys: tuple[int, ...]  # the LSH band keys, then the title key when the title has one
    terms: Terms  # names and weighted stems, for the reworded tier
    name_keys: tuple[int, ...] = ()  # where stories naming the same names meet


class RecentFingerprints(OrderedDict):
    """Items of the window are candidates again and again: their fingerprints, by item id, for one store. An
    id keeps its text for good (an edited item keeps its story). About 4.5 KB each (the stem weights are most
    of it): 20,000 hold a busy window in 90 MB; an item pushed out is read and fingerprinted again."""

    def __init__(self, limit: int = 20_000) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, item_id: int, fp: Fingerprint) -> None:
        self[item_id] = fp
        self.move_to_end(item_id)
        while len(self) > self.limit:
            self.popitem(last=False)


def fingerprint(title: str, text: str) -> Fingerprint:
    return fingerprints([(title, text)])[0]


def fingerprints(items: list[tuple[str, str]], keyed: bool = True) -> list[Fingerprint]:
    """The fingerprint of every (title, text), batched: a feed's items cost about half as much each.
    `keyed=False` leaves out the index keys (for stored candidates, which are looked up, not indexed)."""
    stories = [story_text(title, text) for title, text in items]
    own = batch_shingles(stories)
    terms = story_terms(stories)
    if not keyed:
        return [Fingerprint(story, hashes, (), t) for story, hashes, t in zip(stories, own, terms)]
    bands = batch_band_keys(batch_signatures(own))
    titles = [title_key(title) for title, _ in items]
    return [Fingerprint(story, hashes, tuple(k) if tk is None else (*k, tk), t, name_keys(t.names))
            for story, hashes, k, tk, t in zip(stories, own, bands, titles, terms)]


def story_score(a: Fingerprint, b: Fingerprint, threshold: float, copy: bool = True,
                reworded: tuple[float, float] | None = (REWORDED_NAMES, REWORDED_COSINE)) -> float:
    """How alike two items are as stories, on the scale of the same-story threshold: char-5 Jaccard (or
    containment); an event told in other words (decide.same_event with the `reworded` limits; None: that tier
    off) scores the threshold itself, so it joins but every real copy ranks above it; another edition of a
    recurring item scores 0. `copy=False`: the two met only under a name key, so only the reworded tier is
    asked (the shingles are not compared)."""
    score = similarity(a.shingles, b.shingles) if copy else 0.0
    if score < threshold and reworded is not None and same_event(a.terms, b.terms, *reworded):
        score = threshold
    if score >= threshold and same_template_other_day(a.text, b.text):
        return 0.0
    return score

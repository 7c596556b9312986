"""An item's fingerprint (what matching needs of it) and how alike two fingerprints are as stories."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .decide import FIGURES_SIMILARITY, RETOLD_CONTAINMENT, Marks, edition, marks, other_edition, same_event
from .minhash import (batch_band_keys, batch_shingles, batch_signatures, headed_text, jaccard, similarity,
                      story_title, title_key)
from .terms import Terms, names_within, retell_keys, story_terms


NEAR_COPY = 0.9  # char-5 similarity from which two items are one text, whatever names each adds


@dataclass(frozen=True)
class Fingerprint:
    """Computed where the item is parsed (a worker process) so the storing thread only looks things up."""

    text: str  # the story text: matching form of title + lede
    shingles: np.ndarray
    keys: tuple[int, ...]  # the LSH band keys, then the title key when the title has one
    terms: Terms  # names and weighted stems, for the retelling tier
    retell_keys: tuple[int, ...]  # where tellings of one event meet: rarest names and title stems (none: stored)
    edition: bool  # a roundup or recurring bulletin: never a retelling
    marks: Marks  # countries, days, rounds, figures: what tells editions of a recurring item apart

    @property
    def index_keys(self) -> tuple[int, ...]:
        """Every key the item is indexed under: its bands and title key, then its retelling keys."""
        return (*self.keys, *self.retell_keys)


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
    heads = [story_title(title) for title, _ in items]  # each title's matching form, once
    stories = [headed_text(head, text) for head, (_, text) in zip(heads, items)]
    own = batch_shingles(stories)
    terms = story_terms(stories)
    if not keyed:
        return [Fingerprint(story, hashes, (), t, (), edition(head), marks(story))
                for story, hashes, t, head in zip(stories, own, terms, heads)]
    bands = batch_band_keys(batch_signatures(own))
    titles = [title_key(head) for head in heads]
    return [Fingerprint(story, hashes, tuple(k) if tk is None else (*k, tk), t, retell_keys(t, head), edition(head),
                        marks(story))
            for story, hashes, k, tk, t, head in zip(stories, own, bands, titles, terms, heads)]


def story_score(a: Fingerprint, b: Fingerprint, threshold: float, copy: bool = True,
                retold: float | None = RETOLD_CONTAINMENT) -> float:
    """How alike two items are as stories, on the scale of the same-story threshold: char-5 Jaccard (or
    containment); one event told again (decide.same_event at `retold` containment; None: that tier off) scores
    the threshold itself, so it joins but every real copy ranks above it; another edition of a recurring item
    scores 0. `copy=False`: the two met only under a retelling key, so the copy tier is not asked."""
    # a bare headline inside a roundup or a bulletin is not a copy of it: there, only Jaccard counts
    compare = jaccard if a.edition or b.edition else similarity
    score = compare(a.shingles, b.shingles) if copy else 0.0
    if score >= threshold:
        if score < NEAR_COPY and not names_within(a.terms, b.terms):
            return 0.0  # one template, each naming a place or person the other does not: two events
        return 0.0 if other_edition(a.marks, b.marks) else score
    if retold is None or a.edition or b.edition or not same_event(a.terms, b.terms, retold):
        return score
    near = score if copy else similarity(a.shingles, b.shingles)
    # other figures in much the same words are another edition (prices, a daily toll); in a retelling, an update
    return 0.0 if other_edition(a.marks, b.marks, by_figures=near >= FIGURES_SIMILARITY) else threshold

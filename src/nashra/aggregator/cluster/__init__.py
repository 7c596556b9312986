"""The cluster stage: each new item joins the story it tells, or starts one.

MinHash over char 5-gram shingles of title + lede (format words like عاجل dropped), LSH with 32 bands x 4 rows
plus a same-title key against the band index of the time window (in the store, so restarts and other workers
see the same stories and a lookup costs the same at 10^4 or 10^6 items), candidates confirmed by exact
Jaccard or containment. Runs
inside the poll's transaction: an item is stored and clustered together, or not at all.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.engine import Connection

from ..store import stories
from .decide import MAX_STORY_ITEMS, SAME_STORY_JACCARD, Candidate, choose_story, same_template_other_day
from .minhash import (batch_band_keys, batch_shingles, batch_signatures, shingles, similarity, story_text,
                      title_key)

__all__ = ["ClusterSettings", "Fingerprint", "NewItem", "RecentFingerprints", "assign_stories", "assign_story",
           "fingerprint", "fingerprints"]


@dataclass(frozen=True)
class ClusterSettings:
    window: timedelta = timedelta(hours=72)
    threshold: float = SAME_STORY_JACCARD
    max_items: int = MAX_STORY_ITEMS


@dataclass(frozen=True)
class Fingerprint:
    """What matching needs of an item: its story text, shingles and band keys. Computed where the item is
    parsed (a worker process) so the storing thread only looks things up."""

    text: str
    shingles: np.ndarray
    keys: tuple[int, ...]  # the LSH band keys, then the title key when the title has one


class RecentFingerprints(OrderedDict):
    """Items of the window are candidates again and again: their matching form and shingles (about 1 KB each),
    by item id, for one store. An id keeps its text for good (an edited item keeps its story)."""

    def __init__(self, limit: int = 50_000) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, item_id: int, text: str, own: np.ndarray) -> None:
        self[item_id] = (text, own)
        self.move_to_end(item_id)
        while len(self) > self.limit:
            self.popitem(last=False)


def fingerprint(title: str, text: str) -> Fingerprint:
    return fingerprints([(title, text)])[0]


def fingerprints(items: list[tuple[str, str]]) -> list[Fingerprint]:
    """The fingerprint of every (title, text), batched: a feed's items cost about half as much each."""
    stories = [story_text(title, text) for title, text in items]
    own = batch_shingles(stories)
    keys = batch_band_keys(batch_signatures(own))
    titles = [title_key(title) for title, _ in items]
    return [Fingerprint(story, hashes, tuple(k) if t is None else (*k, t))
            for story, hashes, k, t in zip(stories, own, keys, titles)]


@dataclass(frozen=True)
class NewItem:
    id: int
    title: str
    text: str
    published: datetime
    content_hash: str
    fingerprint: Fingerprint | None = None


@dataclass
class _Pending:
    """A story being formed in this batch."""

    founder: int
    count: int
    first: datetime
    last: datetime


def assign_stories(conn: Connection, batch: list[NewItem], settings: ClusterSettings, now: datetime,
                   known: RecentFingerprints | None = None) -> list[int]:
    """Put newly stored items (one feed poll) into stories; returns their story ids, in order.

    A handful of statements per batch rather than per item: the band index and the candidates are read
    once, the batch's own items are matched against each other in memory, and everything is written with
    executemany at the end.
    """
    if not batch:
        return []
    missing = [item for item in batch if item.fingerprint is None]
    computed = iter(fingerprints([(item.title, item.text) for item in missing]))
    prepared = [item.fingerprint if item.fingerprint is not None else next(computed) for item in batch]
    since = min(i.published for i in batch) - settings.window
    until = max(i.published for i in batch) + settings.window
    by_key, by_hash = stories.window_index(conn, sorted({k for fp in prepared for k in fp.keys}),
                                           sorted({i.content_hash for i in batch}), since, until)
    stored_ids = {item_id for rows in (*by_key.values(), *by_hash.values()) for item_id, _ in rows}
    stored = stories.candidate_rows(conn, sorted(stored_ids - {i.id for i in batch}))
    known = RecentFingerprints() if known is None else known
    fresh = [row for row in stored.values() if row.id not in known]  # their shingles at once, not one by one
    fresh_texts = [story_text(row.title, row.text) for row in fresh]
    for row, text, own in zip(fresh, fresh_texts, batch_shingles(fresh_texts)):
        known.remember(row.id, text, own)
    sizes: dict[int, int] = {row.story_id: row.item_count for row in stored.values()}
    story_of: dict[int, int | str] = {row.id: row.story_id for row in stored.values()}
    pending: dict[str, _Pending] = {}
    grown: dict[int, _Pending] = {}
    batch_keys: dict[int, list[tuple[int, int]]] = {}
    placements: list[tuple[int, int | str]] = []
    published = [stories.epoch(item.published) for item in batch]
    span = int(settings.window.total_seconds())
    for item, fp, when_item in zip(batch, prepared, published):
        own_text, own, keys = fp.text, fp.shingles, fp.keys
        low, high = when_item - span, when_item + span
        ids = {i for k in keys for i, when in (*by_key.get(k, ()), *batch_keys.get(k, ())) if low <= when <= high}
        ids |= {i for i, when in by_hash.get(item.content_hash, ()) if low <= when <= high}
        found = []
        for cand in ids - {item.id}:
            if cand not in story_of:
                continue  # split off by a user, or not yet in a story
            if cand not in known:  # pushed out of the cache by a very large batch
                row = stored[cand]
                other = story_text(row.title, row.text)
                known.remember(cand, other, shingles(other))
            other_text, other_shingles = known[cand]
            score = similarity(own, other_shingles)
            if score >= settings.threshold and same_template_other_day(own_text, other_text):
                score = 0.0  # another edition of a recurring item, not this story
            story = story_of[cand]
            size = pending[story].count if isinstance(story, str) else sizes[story]
            found.append(Candidate(item_id=cand, story_id=story, similarity=score, story_size=size))
        best = choose_story(found, settings.threshold, settings.max_items)
        if best is None:
            story: int | str = f"new{item.id}"
            pending[story] = _Pending(item.id, 1, item.published, item.published)
        else:
            story = best.story_id
            target = pending[story] if isinstance(story, str) else grown.setdefault(
                story, _Pending(0, 0, item.published, item.published))
            target.count += 1
            target.first, target.last = min(target.first, item.published), max(target.last, item.published)
            if not isinstance(story, str):
                sizes[story] += 1
        story_of[item.id] = story
        known.remember(item.id, own_text, own)
        for k in keys:
            batch_keys.setdefault(k, []).append((item.id, when_item))
        placements.append((item.id, story))
    order = list(pending)
    created = [{"founder_item_id": p.founder, "first_published": p.first, "last_published": p.last,
                "item_count": p.count, "created_at": now} for p in pending.values()]
    new_ids = stories.write_assignments(
        conn, created,
        [{"b_story": sid, "b_count": g.count, "b_first": g.first, "b_last": g.last} for sid, g in grown.items()],
        [(item, None, order.index(story)) if isinstance(story, str) else (item, story, 0)
         for item, story in placements],
        [(k, item.id, when) for item, fp, when in zip(batch, prepared, published) for k in set(fp.keys)])
    ids_of = dict(zip(order, new_ids))
    return [ids_of[story] if isinstance(story, str) else story for _, story in placements]


def assign_story(conn: Connection, item: NewItem, settings: ClusterSettings, now: datetime) -> int:
    """Put one newly stored item into a story; returns the story id."""
    return assign_stories(conn, [item], settings, now)[0]

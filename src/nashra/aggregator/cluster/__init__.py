"""The cluster stage: each new item joins the story it tells, or starts one.

MinHash over char 5-gram shingles of title + lede (format words like عاجل dropped), LSH with 32 bands x 4 rows
against the band index of the time window (in the store, so restarts and other workers see the same
stories and a lookup costs the same at 10^4 or 10^6 items), candidates confirmed by exact Jaccard. Runs
inside the poll's transaction: an item is stored and clustered together, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.engine import Connection

from ..store import stories
from .decide import MAX_STORY_ITEMS, SAME_STORY_JACCARD, Candidate, choose_story, same_template_other_day
from .minhash import band_keys, shingles, signature, similarity, story_text

__all__ = ["ClusterSettings", "NewItem", "assign_stories", "assign_story"]


@dataclass(frozen=True)
class ClusterSettings:
    window: timedelta = timedelta(hours=72)
    threshold: float = SAME_STORY_JACCARD
    max_items: int = MAX_STORY_ITEMS


@dataclass(frozen=True)
class NewItem:
    id: int
    title: str
    text: str
    published: datetime
    content_hash: str


@dataclass
class _Pending:
    """A story being formed in this batch."""

    founder: int
    count: int
    first: datetime
    last: datetime


def _prepare(item: NewItem) -> tuple[str, np.ndarray, list[int]]:
    text = story_text(item.title, item.text)
    own = shingles(text)
    return text, own, band_keys(signature(own))


def assign_stories(conn: Connection, batch: list[NewItem], settings: ClusterSettings, now: datetime) -> list[int]:
    """Put newly stored items (one feed poll) into stories; returns their story ids, in order.

    A handful of statements per batch rather than per item: the band index and the candidates are read
    once, the batch's own items are matched against each other in memory, and everything is written with
    executemany at the end.
    """
    if not batch:
        return []
    prepared = [_prepare(item) for item in batch]
    since = min(i.published for i in batch) - settings.window
    until = max(i.published for i in batch) + settings.window
    by_key, by_hash = stories.window_index(conn, sorted({k for _, _, keys in prepared for k in keys}),
                                           sorted({i.content_hash for i in batch}), since, until)
    stored_ids = {item_id for rows in (*by_key.values(), *by_hash.values()) for item_id, _ in rows}
    stored = stories.candidate_rows(conn, sorted(stored_ids - {i.id for i in batch}))
    known: dict[int, tuple[str, np.ndarray]] = {}  # candidate id -> (story text, shingles), computed once
    sizes: dict[int, int] = {row.story_id: row.item_count for row in stored.values()}
    story_of: dict[int, int | str] = {row.id: row.story_id for row in stored.values()}
    pending: dict[str, _Pending] = {}
    grown: dict[int, _Pending] = {}
    batch_keys: dict[int, list[tuple[int, int]]] = {}
    placements: list[tuple[int, int | str]] = []
    for item, (own_text, own, keys) in zip(batch, prepared):
        low, high = stories.epoch(item.published - settings.window), stories.epoch(item.published + settings.window)
        ids = {i for k in keys for i, when in (*by_key.get(k, ()), *batch_keys.get(k, ())) if low <= when <= high}
        ids |= {i for i, when in by_hash.get(item.content_hash, ()) if low <= when <= high}
        found = []
        for cand in ids - {item.id}:
            if cand not in story_of:
                continue  # split off by a user, or not yet in a story
            if cand not in known:
                row = stored[cand]
                other = story_text(row.title, row.text)
                known[cand] = (other, shingles(other))
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
        known[item.id] = (own_text, own)
        for k in keys:
            batch_keys.setdefault(k, []).append((item.id, stories.epoch(item.published)))
        placements.append((item.id, story))
    order = list(pending)
    created = [{"founder_item_id": p.founder, "first_published": p.first, "last_published": p.last,
                "item_count": p.count, "created_at": now} for p in pending.values()]
    new_ids = stories.write_assignments(
        conn, created,
        [{"b_story": sid, "b_count": g.count, "b_first": g.first, "b_last": g.last} for sid, g in grown.items()],
        [(item, None, order.index(story)) if isinstance(story, str) else (item, story, 0)
         for item, story in placements],
        [(k, item.id, stories.epoch(item.published)) for item, (_, _, keys) in zip(batch, prepared) for k in set(keys)])
    ids_of = dict(zip(order, new_ids))
    return [ids_of[story] if isinstance(story, str) else story for _, story in placements]


def assign_story(conn: Connection, item: NewItem, settings: ClusterSettings, now: datetime) -> int:
    """Put one newly stored item into a story; returns the story id."""
    return assign_stories(conn, [item], settings, now)[0]

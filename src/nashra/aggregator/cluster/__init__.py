"""The cluster stage: each new item joins the story it tells, or starts one.

Copies: MinHash over char 5-gram shingles of title + lede (format words like عاجل dropped), LSH with 32 bands x
4 rows plus a same-title key, confirmed by exact Jaccard or containment. Retellings (other words, a fuller
telling, an update, within a day): stories meet under their rarest names (gazetteer places, people, bodies) and
title stems, and join when the other telling names all the names of the one that names fewer and tells much of
its content words (decide.same_event). All keys live in the store's band index for the time window, so restarts
and other workers see the same stories and a lookup costs the same at 10^4 or 10^6 items. Runs inside the
poll's transaction: an item is stored and clustered together, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from ..store import stories
from .decide import MAX_STORY_ITEMS, RETOLD_CONTAINMENT, SAME_STORY_JACCARD, Candidate, choose_story
from .fingerprint import Fingerprint, RecentFingerprints, fingerprint, fingerprints, story_score

__all__ = ["ClusterSettings", "Fingerprint", "NewItem", "RecentFingerprints", "assign_stories",
           "fingerprint", "fingerprints", "story_score"]

RETOLD_CANDIDATES = 8  # items met only under retelling keys: the closest in time are checked


@dataclass(frozen=True)
class ClusterSettings:
    window: timedelta = timedelta(hours=72)
    # retellings and updates come within hours; further apart, shared words and names are mostly another event
    retold_window: timedelta = timedelta(hours=24)
    threshold: float = SAME_STORY_JACCARD
    max_items: int = MAX_STORY_ITEMS


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


def _meet(item: NewItem, fp: Fingerprint, when: int, spans: tuple[int, int],
          lookup: Callable[[int], Iterable[tuple[int, int]]],
          by_hash: dict[str, list[tuple[int, int]]] | None = None
          ) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    """The items within the window that `item` meets, with their publication times: under its band and title
    keys or its exact content hash (copies), and under its retelling keys (with how many of those keys each
    shares, ahead of its time: (-shared keys, published))."""
    copies, retellings = spans
    close = {i: t for k in fp.keys for i, t in lookup(k) if when - copies <= t <= when + copies and i != item.id}
    if by_hash is not None:
        close.update((i, t) for i, t in by_hash.get(item.content_hash, ())
                     if when - copies <= t <= when + copies and i != item.id)
    retold: dict[int, tuple[int, int]] = {}
    low, high = when - retellings, when + retellings
    for k in fp.retell_keys:
        for i, t in lookup(k):
            if low <= t <= high and i != item.id:
                retold[i] = (retold[i][0] - 1 if i in retold else -1, t)
    return close, retold


def _nearest(retold: dict[int, tuple[int, int]], close: Container[int], when: int,
             among: Container[int] | None = None) -> set[int]:
    """The RETOLD_CANDIDATES items met only under retelling keys that share the most keys, then are closest in
    time (of `among`)."""
    return {i for *_, i in sorted((shared, abs(t - when), i) for i, (shared, t) in retold.items()
                                  if i not in close and (among is None or i in among))[:RETOLD_CANDIDATES]}


def _remember(conn: Connection, known: RecentFingerprints, ids: list[int]) -> None:
    """Fingerprint stored items at once (they are candidates again and again: the cache keeps them)."""
    texts = stories.item_texts(conn, sorted(ids))
    for item_id, fp in zip(texts, fingerprints(list(texts.values()), keyed=False)):
        known.remember(item_id, fp)


def assign_stories(conn: Connection, batch: list[NewItem], settings: ClusterSettings, now: datetime,
                   known: RecentFingerprints | None = None) -> list[int]:
    """Put newly stored items (one feed poll, or several) into stories; returns their story ids, in order.

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
    by_key, by_hash = stories.window_index(conn, sorted({k for fp in prepared for k in fp.index_keys}),
                                           sorted({i.content_hash for i in batch}), since, until)
    published = [stories.epoch(item.published) for item in batch]
    spans = (int(settings.window.total_seconds()), int(min(settings.retold_window, settings.window).total_seconds()))
    batch_ids = {item.id for item in batch}
    met = [_meet(item, fp, when, spans, lambda k: by_key.get(k, ()), by_hash)
           for item, fp, when in zip(batch, prepared, published)]
    wanted = {i for (close, retold), when in zip(met, published) for i in (*close, *_nearest(retold, close, when))}
    stored = stories.candidate_rows(conn, sorted(wanted - batch_ids))  # only these are read
    known = RecentFingerprints() if known is None else known
    _remember(conn, known, [i for i in stored if i not in known])
    sizes: dict[int, int] = {row.story_id: row.item_count for row in stored.values()}
    story_of: dict[int, int | str] = {row.id: row.story_id for row in stored.values()}  # not split off by a user
    pending: dict[str, _Pending] = {}
    grown: dict[int, _Pending] = {}
    batch_keys: dict[int, list[tuple[int, int]]] = {}
    placements: list[tuple[int, int | str]] = []
    for item, fp, when_item, (close_stored, retold_stored) in zip(batch, prepared, published, met):
        # as in the store, the newest few under a key: a batch of several polls names غزة fifty times
        close_batch, retold_batch = _meet(item, fp, when_item, spans,
                                          lambda k: batch_keys.get(k, ())[-stories.ITEMS_PER_KEY:])
        close = {i: t for i, t in (*close_stored.items(), *close_batch.items()) if i in story_of}
        retold = _nearest({**retold_stored, **retold_batch}, close, when_item, story_of)
        found = []
        for cand in close.keys() | retold:
            if cand not in known:  # pushed out of the cache by a very large batch
                _remember(conn, known, [cand])
            story = story_of[cand]
            size = pending[story].count if isinstance(story, str) else sizes[story]
            recent = cand in retold or abs(close[cand] - when_item) <= spans[1]  # the retelling tier's time limit
            score = story_score(fp, known[cand], settings.threshold, copy=cand in close,
                                retold=RETOLD_CONTAINMENT if recent else None)
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
        known.remember(item.id, fp)
        for k in fp.index_keys:
            batch_keys.setdefault(k, []).append((item.id, when_item))
        placements.append((item.id, story))
    order = list(pending)
    created = [{"founder_item_id": p.founder, "first_published": p.first, "last_published": p.last,
                "item_count": p.count, "created_at": now} for p in pending.values()]
    # in key order: neighbouring rows of the index's B-tree are written one after another
    bands = sorted((k, item.id, when) for item, fp, when in zip(batch, prepared, published)
                   for k in set(fp.index_keys))
    new_ids = stories.write_assignments(
        conn, created,
        [{"b_story": sid, "b_count": g.count, "b_first": g.first, "b_last": g.last} for sid, g in grown.items()],
        [(item, None, order.index(story)) if isinstance(story, str) else (item, story, 0)
         for item, story in placements], bands)
    ids_of = dict(zip(order, new_ids))
    return [ids_of[story] if isinstance(story, str) else story for _, story in placements]

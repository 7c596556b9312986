"""The cluster stage: each new item joins the story it tells, or starts one.

Copies: MinHash over char 5-gram shingles of title + lede (format words like عاجل dropped), LSH with 32 bands x
4 rows plus a same-title key, confirmed by exact Jaccard or containment. Retellings: stories that name the same
names (gazetteer places, people, bodies) meet under name keys and join when their content words agree
(decide.same_event). All keys live in the store's band index for the time window, so restarts and other workers
see the same stories and a lookup costs the same at 10^4 or 10^6 items. Runs inside the poll's transaction: an
item is stored and clustered together, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from ..store import stories
from .decide import MAX_STORY_ITEMS, SAME_STORY_JACCARD, Candidate, choose_story
from .fingerprint import Fingerprint, RecentFingerprints, fingerprint, fingerprints, story_score

__all__ = ["ClusterSettings", "Fingerprint", "NewItem", "RecentFingerprints", "assign_stories", "assign_story",
           "fingerprint", "fingerprints", "story_score"]

REWORDED_CANDIDATES = 8  # items met only through shared names: the closest in time are checked


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
    fingerprint: Fingerprint | None = None


@dataclass
class _Pending:
    """A story being formed in this batch."""

    founder: int
    count: int
    first: datetime
    last: datetime


def _meet(item: NewItem, fp: Fingerprint, when: int, span: int, lookup: Callable[[int], Iterable[tuple[int, int]]],
          by_hash: dict[str, list[tuple[int, int]]] | None = None) -> tuple[dict[int, int], dict[int, int]]:
    """The items within the window that `item` meets, with their publication times: under its band and title
    keys or its exact content hash (copies), and under its name keys (retellings)."""
    low, high = when - span, when + span

    def within(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
        return {i: t for i, t in pairs if low <= t <= high and i != item.id}

    close = within(pair for k in fp.keys for pair in lookup(k))
    if by_hash is not None:
        close.update(within(by_hash.get(item.content_hash, ())))
    return close, within(pair for k in fp.name_keys for pair in lookup(k))


def _nearest(named: dict[int, int], close: Container[int], when: int, among: Container[int] | None = None) -> set[int]:
    """The REWORDED_CANDIDATES items met only under name keys that are closest in time (of `among`)."""
    return {i for _, i in sorted((abs(t - when), i) for i, t in named.items()
                                 if i not in close and (among is None or i in among))[:REWORDED_CANDIDATES]}


def _remember(conn: Connection, known: RecentFingerprints, ids: list[int]) -> None:
    """Fingerprint stored items at once (they are candidates again and again: the cache keeps them)."""
    texts = stories.item_texts(conn, sorted(ids))
    for item_id, fp in zip(texts, fingerprints(list(texts.values()), keyed=False)):
        known.remember(item_id, fp)


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
    by_key, by_hash = stories.window_index(conn, sorted({k for fp in prepared for k in (*fp.keys, *fp.name_keys)}),
                                           sorted({i.content_hash for i in batch}), since, until)
    published = [stories.epoch(item.published) for item in batch]
    span = int(settings.window.total_seconds())
    batch_ids = {item.id for item in batch}
    met = [_meet(item, fp, when, span, lambda k: by_key.get(k, ()), by_hash)
           for item, fp, when in zip(batch, prepared, published)]
    wanted = {i for (close, named), when in zip(met, published) for i in (*close, *_nearest(named, close, when))}
    stored = stories.candidate_rows(conn, sorted(wanted - batch_ids))  # only these are read
    known = RecentFingerprints() if known is None else known
    _remember(conn, known, [i for i in stored if i not in known])
    sizes: dict[int, int] = {row.story_id: row.item_count for row in stored.values()}
    story_of: dict[int, int | str] = {row.id: row.story_id for row in stored.values()}  # not split off by a user
    pending: dict[str, _Pending] = {}
    grown: dict[int, _Pending] = {}
    batch_keys: dict[int, list[tuple[int, int]]] = {}
    placements: list[tuple[int, int | str]] = []
    for item, fp, when_item, (close_stored, named_stored) in zip(batch, prepared, published, met):
        close_batch, named_batch = _meet(item, fp, when_item, span, lambda k: batch_keys.get(k, ()))
        close = {i for i in (*close_stored, *close_batch) if i in story_of}
        named = _nearest({**named_stored, **named_batch}, close, when_item, story_of)
        found = []
        for cand in close | named:
            if cand not in known:  # pushed out of the cache by a very large batch
                _remember(conn, known, [cand])
            story = story_of[cand]
            size = pending[story].count if isinstance(story, str) else sizes[story]
            score = story_score(fp, known[cand], settings.threshold, copy=cand in close)
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
        for k in (*fp.keys, *fp.name_keys):
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
        [(k, item.id, when) for item, fp, when in zip(batch, prepared, published) for k in {*fp.keys, *fp.name_keys}])
    ids_of = dict(zip(order, new_ids))
    return [ids_of[story] if isinstance(story, str) else story for _, story in placements]


def assign_story(conn: Connection, item: NewItem, settings: ClusterSettings, now: datetime) -> int:
    """Put one newly stored item into a story; returns the story id."""
    return assign_stories(conn, [item], settings, now)[0]

"""Stories and the LSH band index: SQL only; the decisions are in cluster/."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .lists import driver_rows, insert_many, insert_returning_ids, list_param, one_of
from .schema import feeds, items, stories, story_bands

# Built once: this runs for every new item, and building Core statements costs more than running them.
_CANDIDATE_ROWS = {engine: sa.select(items.c.id, items.c.story_id, stories.c.item_count)
                   .join(stories, stories.c.id == items.c.story_id).where(among, items.c.story_locked.is_(False))
                   for engine, among in one_of(items.c.id, "ids", sa.Integer()).items()}
_ITEM_TEXTS = {engine: sa.select(items.c.id, items.c.title, items.c.text).where(among)
               for engine, among in one_of(items.c.id, "ids", sa.Integer()).items()}
_INSERT_STORY = stories.insert()
_SET_STORY = items.update().where(items.c.id == sa.bindparam("b_item")).values(story_id=sa.bindparam("b_story"))
ITEMS_PER_KEY = 8  # the newest items under one key: a name key (غزة، تونس) may hold thousands


def _bands_sql(keys: str, mark: str) -> str:
    """The newest ITEMS_PER_KEY rows under each key: the id of its ITEMS_PER_KEY-th newest row bounds a range
    scan of the (band_key, item_id) primary key, so a popular key costs no more than a rare one (ranking every
    row of a key with ROW_NUMBER read them all: 4x slower in a busy window). `keys`: a one-column table `k`."""
    return (f"SELECT b.band_key, b.item_id, b.published FROM {keys} JOIN story_bands AS b ON b.band_key = k.value "
            f"AND b.item_id >= coalesce((SELECT e.item_id FROM story_bands AS e WHERE e.band_key = k.value "
            f"ORDER BY e.item_id DESC LIMIT 1 OFFSET {ITEMS_PER_KEY - 1}), 0) "
            f"WHERE b.published >= {mark} AND b.published <= {mark}")


_BANDS_OF = {"sqlite": _bands_sql("json_each(?) AS k", "?"),
             "postgresql": _bands_sql("unnest(%s::bigint[]) AS k(value)", "%s")}
_HASHES_OF = {engine: sa.select(items.c.content_hash, items.c.id, items.c.published).where(
    among, items.c.published >= sa.bindparam("since"), items.c.published <= sa.bindparam("until"))
    for engine, among in one_of(items.c.content_hash, "hashes", sa.String()).items()}
_GROW_STORY = stories.update().where(stories.c.id == sa.bindparam("b_story")).values(
    item_count=stories.c.item_count + sa.bindparam("b_count"),
    first_published=sa.case((stories.c.first_published > sa.bindparam("b_first"), sa.bindparam("b_first")),
                            else_=stories.c.first_published),
    last_published=sa.case((stories.c.last_published < sa.bindparam("b_last"), sa.bindparam("b_last")),
                           else_=stories.c.last_published))


def epoch(when: datetime) -> int:
    return int(when.timestamp())


def window_index(conn: Connection, keys: list[int], hashes: list[str], since: datetime,
                 until: datetime) -> tuple[dict[int, list[tuple[int, int]]], dict[str, list[tuple[int, int]]]]:
    """For a batch of new items: the stored items under each band key (the newest ITEMS_PER_KEY of them; ids
    grow with time), and under each exact content hash, as (item id, epoch seconds published)."""
    by_key: dict[int, list[tuple[int, int]]] = {}
    for key, item_id, published in driver_rows(conn, _BANDS_OF[conn.dialect.name],
                                               (list_param(conn, keys), epoch(since), epoch(until))):
        by_key.setdefault(key, []).append((item_id, published))
    by_hash: dict[str, list[tuple[int, int]]] = {}
    if hashes:
        for row in conn.execute(_HASHES_OF[conn.dialect.name],
                                {"hashes": list_param(conn, hashes), "since": since, "until": until}):
            by_hash.setdefault(row.content_hash, []).append((row.id, epoch(row.published)))
    return by_key, by_hash


def candidate_rows(conn: Connection, ids: list[int]) -> dict[int, sa.Row]:
    """Stored items (not split off by a user) with their story and its size."""
    found: dict[int, sa.Row] = {}
    for row in conn.execute(_CANDIDATE_ROWS[conn.dialect.name], {"ids": list_param(conn, ids)}):
        found[row.id] = row
    return found


def item_texts(conn: Connection, ids: list[int]) -> dict[int, tuple[str, str]]:
    """(title, text) of stored items: what a fingerprint is made of."""
    if not ids:
        return {}
    return {row.id: (row.title, row.text) for row in conn.execute(_ITEM_TEXTS[conn.dialect.name],
                                                                   {"ids": list_param(conn, ids)})}


def add_bands(conn: Connection, rows: list[tuple[int, int, int]]) -> None:
    """(key, item id, epoch published) rows: an item's 32 LSH bands, its title key and its retelling keys."""
    insert_many(conn, "story_bands", {"band_key": "bigint", "item_id": "int", "published": "bigint"}, rows)


def _set_stories(conn: Connection, pairs: list[tuple[int, int]]) -> None:
    """(story id, item id) pairs: each item's story."""
    if conn.dialect.name == "postgresql":
        story_ids, item_ids = (list(column) for column in zip(*pairs))
        conn.exec_driver_sql("UPDATE items SET story_id = v.story FROM unnest(%s::int[], %s::int[]) AS v(story, item) "
                             "WHERE items.id = v.item", (story_ids, item_ids))
        return
    conn.exec_driver_sql("UPDATE items SET story_id = ? WHERE id = ?", pairs)


def write_assignments(conn: Connection, created: list[dict], grown: list[dict],
                      placements: list[tuple[int, int | None, int]], bands: list[tuple[int, int, int]]) -> list[int]:
    """Create stories (`created` rows, in order), grow existing ones, set every item's story and add its bands.
    `placements` are (item id, existing story id or None, index into `created`); returns the new story ids."""
    new_ids = insert_returning_ids(conn, stories, created)
    if placements:
        _set_stories(conn, [(story if story is not None else new_ids[index], item)
                            for item, story, index in placements])
    if grown:
        conn.execute(_GROW_STORY, grown)
    if bands:
        add_bands(conn, bands)
    return new_ids


def new_story(conn: Connection, item_id: int, published: datetime, now: datetime) -> int:
    story_id = conn.execute(_INSERT_STORY, {"founder_item_id": item_id, "first_published": published,
                                            "last_published": published, "item_count": 1,
                                            "created_at": now}).inserted_primary_key[0]
    conn.execute(_SET_STORY, {"b_item": item_id, "b_story": story_id})
    return story_id




def recount(conn: Connection, story_id: int) -> None:
    """Recompute a story's size and dates from its items; delete it when it has none left."""
    row = conn.execute(sa.select(sa.func.count(), sa.func.min(items.c.published), sa.func.max(items.c.published))
                       .where(items.c.story_id == story_id)).one()
    if row[0] == 0:
        conn.execute(stories.delete().where(stories.c.id == story_id))
    else:
        conn.execute(stories.update().where(stories.c.id == story_id).values(
            item_count=row[0], first_published=row[1], last_published=row[2]))


def split_item(conn: Connection, item_id: int, now: datetime) -> int | None:
    """Move an item to a story of its own, for good: it leaves the band index and is locked."""
    row = conn.execute(sa.select(items.c.story_id, items.c.published).where(items.c.id == item_id)).first()
    if row is None:
        return None
    conn.execute(story_bands.delete().where(story_bands.c.item_id == item_id))
    conn.execute(items.update().where(items.c.id == item_id).values(story_locked=True))
    story_id = new_story(conn, item_id, row.published, now)
    if row.story_id is not None:
        recount(conn, row.story_id)
    return story_id


def prune_bands(conn: Connection, before: datetime) -> int:
    return conn.execute(story_bands.delete().where(story_bands.c.published < epoch(before))).rowcount


def prune_empty(conn: Connection) -> None:
    """Stories whose items were all pruned."""
    conn.execute(stories.delete().where(~sa.exists().where(items.c.story_id == stories.c.id)))


def latest_ids(conn: Connection, limit: int, since: datetime | None = None,
               until: datetime | None = None) -> list[int]:
    query = sa.select(stories.c.id).order_by(stories.c.first_published.desc(), stories.c.id.desc()).limit(limit)
    if since is not None:
        query = query.where(stories.c.last_published >= since)
    if until is not None:
        query = query.where(stories.c.first_published < until)
    return list(conn.execute(query).scalars())


def members(conn: Connection, story_ids: list[int]) -> dict[int, list[sa.Row]]:
    """The items of each story with their feed, oldest first."""
    result: dict[int, list[sa.Row]] = {sid: [] for sid in story_ids}
    for start in range(0, len(story_ids), 500):
        chunk = story_ids[start:start + 500]
        query = (sa.select(items, feeds.c.name, feeds.c.url, feeds.c.site_link)
                 .join(feeds, feeds.c.id == items.c.feed_id)
                 .where(items.c.story_id.in_(chunk))
                 .order_by(items.c.published, items.c.id))
        for row in conn.execute(query):
            result[row.story_id].append(row)
    return result


def find_item(conn: Connection, key: str) -> int | None:
    """An item by its id, or by its (canonical) link."""
    if key.isdigit():
        return conn.execute(sa.select(items.c.id).where(items.c.id == int(key))).scalar()
    return conn.execute(sa.select(items.c.id).where(items.c.link == key).order_by(items.c.id)).scalar()

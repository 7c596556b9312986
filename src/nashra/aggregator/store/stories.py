"""Stories and the LSH band index: SQL only; the decisions are in cluster/."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import feeds, items, stories, story_bands


# Built once: this runs for every new item, and building Core statements costs more than running them.
_BAND_IDS = sa.select(story_bands.c.item_id).where(
    story_bands.c.band_key.in_(sa.bindparam("keys", expanding=True)),
    story_bands.c.published >= sa.bindparam("since"), story_bands.c.published <= sa.bindparam("until"))
_HASH_IDS = sa.select(items.c.id).where(
    items.c.content_hash == sa.bindparam("hash"),
    items.c.published >= sa.bindparam("since"), items.c.published <= sa.bindparam("until"))
_CANDIDATE_ROWS = (sa.select(items.c.id, items.c.story_id, items.c.title, items.c.text, stories.c.item_count)
                   .join(stories, stories.c.id == items.c.story_id)
                   .where(items.c.id.in_(sa.bindparam("ids", expanding=True)), items.c.story_locked.is_(False)))
_INSERT_STORY = stories.insert()
_SET_STORY = items.update().where(items.c.id == sa.bindparam("b_item")).values(story_id=sa.bindparam("b_story"))
_INSERT_BAND = story_bands.insert()
_JOIN_STORY = stories.update().where(stories.c.id == sa.bindparam("b_story")).values(
    item_count=stories.c.item_count + 1,
    first_published=sa.case((stories.c.first_published > sa.bindparam("b_when"), sa.bindparam("b_when")),
                            else_=stories.c.first_published),
    last_published=sa.case((stories.c.last_published < sa.bindparam("b_when"), sa.bindparam("b_when")),
                           else_=stories.c.last_published))


def candidates(conn: Connection, keys: list[int], content_hash: str, since: datetime, until: datetime,
               exclude: int, limit: int = 64) -> list[sa.Row]:
    """Items in the window sharing a band key or the exact content hash, with their story and text.
    Two indexed lookups (an OR across them would make SQLite scan the items table). The hash finds an exact
    re-post of an item whose band rows were already pruned with the window."""
    window = {"since": since, "until": until}
    ids = set(conn.execute(_BAND_IDS, {"keys": keys, **window}).scalars())
    ids.update(conn.execute(_HASH_IDS, {"hash": content_hash, **window}).scalars())
    ids.discard(exclude)
    if not ids:
        return []
    return conn.execute(_CANDIDATE_ROWS, {"ids": sorted(ids)[:limit]}).all()


def add_bands(conn: Connection, item_id: int, keys: list[int], published: datetime) -> None:
    conn.execute(_INSERT_BAND, [{"band_key": k, "item_id": item_id, "published": published} for k in set(keys)])


def new_story(conn: Connection, item_id: int, published: datetime, now: datetime) -> int:
    story_id = conn.execute(_INSERT_STORY, {"founder_item_id": item_id, "first_published": published,
                                            "last_published": published, "item_count": 1,
                                            "created_at": now}).inserted_primary_key[0]
    conn.execute(_SET_STORY, {"b_item": item_id, "b_story": story_id})
    return story_id


def join_story(conn: Connection, item_id: int, story_id: int, published: datetime) -> None:
    conn.execute(_SET_STORY, {"b_item": item_id, "b_story": story_id})
    conn.execute(_JOIN_STORY, {"b_story": story_id, "b_when": published})


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
    return conn.execute(story_bands.delete().where(story_bands.c.published < before)).rowcount


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

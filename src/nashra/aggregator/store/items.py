"""Items: insert or update by identity within a feed, read back for publishing, prune with tombstones."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..models import CleanItem, StoredItem
from .lists import insert_returning_ids, list_param, one_of
from .schema import feeds, items, tombstones

_BATCH = 500  # rows per statement where a list of pairs is needed (pruning)

# Built once (this runs for every poll): which identities are stored, and which were pruned.
_KNOWN = {engine: sa.select(items.c.identity, items.c.id, items.c.content_hash, items.c.title)
          .where(items.c.feed_id == sa.bindparam("feed"), among)
          for engine, among in one_of(items.c.identity, "keys", sa.String()).items()}
_DEAD = {engine: sa.select(tombstones.c.identity).where(tombstones.c.feed_id == sa.bindparam("feed"), among)
         for engine, among in one_of(tombstones.c.identity, "keys", sa.String()).items()}


def save(conn: Connection, feed_id: int, batch: list[CleanItem], now: datetime,
         cutoff: datetime) -> tuple[list[tuple[int, CleanItem]], int]:
    """Insert new items, update changed ones; return ([(id, item) of new ones], number updated).
    Items published before `cutoff` are skipped."""
    batch = [it for it in batch if it.published >= cutoff]
    by_identity: dict[str, CleanItem] = {}
    for item in batch:  # a feed that lists one item twice: keep the first (newest) copy
        by_identity.setdefault(item.identity, item)
    if not by_identity:
        return [], 0
    keys = list_param(conn, list(by_identity))
    engine = conn.dialect.name
    known = {row.identity: (row.id, row.content_hash, row.title)
             for row in conn.execute(_KNOWN[engine], {"feed": feed_id, "keys": keys})}
    dead = set(conn.execute(_DEAD[engine], {"feed": feed_id, "keys": keys}).scalars())
    inserts, updated = [], 0
    for identity, item in by_identity.items():
        if identity in dead:
            continue
        row = {
            "guid": item.guid, "link": item.link, "title": item.title, "summary_html": item.summary_html,
            "text": item.text, "author": item.author, "categories": list(item.categories),
            "content_hash": item.content_hash,
        }
        if identity not in known:
            inserts.append({**row, "feed_id": feed_id, "identity": identity, "published": item.published,
                            "first_seen_at": now, "updated_at": now})
        elif known[identity][1:] != (item.content_hash, item.title):
            conn.execute(items.update().where(items.c.id == known[identity][0]).values(**row, updated_at=now))
            updated += 1
    if not inserts:
        return [], updated
    ids = insert_returning_ids(conn, items, inserts)
    return [(item_id, by_identity[row["identity"]]) for item_id, row in zip(ids, inserts)], updated


def recent_times(conn: Connection, feed_id: int, limit: int = 20) -> list[datetime]:
    """Publication times of a feed's newest items: its own rate of updates."""
    return list(conn.execute(sa.select(items.c.published).where(items.c.feed_id == feed_id)
                             .order_by(items.c.published.desc()).limit(limit)).scalars())


def stored_item(row: sa.Row) -> StoredItem:
    """An items row joined with its feed's name, url and site_link."""
    return StoredItem(
        id=row.id, feed_id=row.feed_id, feed_name=row.name, feed_url=row.url, feed_site_link=row.site_link,
        title=row.title, link=row.link, summary_html=row.summary_html, text=row.text, author=row.author,
        categories=tuple(row.categories or ()), published=row.published, updated=row.updated_at,
        identity=row.identity,
    )


def latest(conn: Connection, limit: int) -> list[StoredItem]:
    """Newest items first, with their feed's name and links."""
    query = (sa.select(items, feeds.c.name, feeds.c.url, feeds.c.site_link)
             .join(feeds, feeds.c.id == items.c.feed_id)
             .order_by(items.c.published.desc(), items.c.id.desc()).limit(limit))
    return [stored_item(r) for r in conn.execute(query)]


def count(conn: Connection) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(items)).scalar_one()


def prune(conn: Connection, cutoff: datetime, now: datetime) -> int:
    """Delete items published before `cutoff`, remembering their identities."""
    old = sa.select(items.c.feed_id, items.c.identity).where(items.c.published < cutoff)
    rows = conn.execute(old).all()
    if not rows:
        return 0
    existing = set()
    for start in range(0, len(rows), _BATCH):
        chunk = rows[start:start + _BATCH]
        existing.update(conn.execute(sa.select(tombstones.c.feed_id, tombstones.c.identity).where(
            sa.tuple_(tombstones.c.feed_id, tombstones.c.identity).in_([tuple(r) for r in chunk]))).all())
    fresh = [{"feed_id": f, "identity": i, "deleted_at": now} for f, i in rows if (f, i) not in existing]
    if fresh:
        conn.execute(tombstones.insert(), fresh)
    conn.execute(items.delete().where(items.c.published < cutoff))
    return len(rows)

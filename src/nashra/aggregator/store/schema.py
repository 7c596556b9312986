"""Tables and versioned migrations. One code path for SQLite and PostgreSQL (SQLAlchemy Core)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .locks import serialise


class UTCDateTime(sa.types.TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every engine."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

feeds = sa.Table(
    "feeds", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("config_url", sa.Text, nullable=False, unique=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("section", sa.Text),
    sa.Column("encoding", sa.Text),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("title", sa.Text),
    sa.Column("site_link", sa.Text),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("next_check_at", UTCDateTime),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("error_count", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UTCDateTime),
    sa.Column("last_success_at", UTCDateTime),
    sa.Column("last_checked_at", UTCDateTime),
    sa.Column("last_problem", sa.Text),
    sa.Column("gone_reason", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_feeds_due", "active", "next_check_at"),
)

items = sa.Table(
    "items", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    sa.Column("identity", sa.String(40), nullable=False),
    sa.Column("guid", sa.Text),
    sa.Column("link", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("summary_html", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False, default=""),
    sa.Column("categories", sa.JSON, nullable=False, default=list),
    sa.Column("content_hash", sa.String(32), nullable=False),
    sa.Column("published", UTCDateTime, nullable=False),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("story_id", sa.Integer),
    sa.Column("story_locked", sa.Boolean, nullable=False, default=False),  # split by a user: stays alone
    sa.UniqueConstraint("feed_id", "identity", name="uq_items_feed_identity"),
    sa.Index("ix_items_published", "published"),
    sa.Index("ix_items_feed_published", "feed_id", "published"),
    sa.Index("ix_items_content_hash", "content_hash"),
    sa.Index("ix_items_story", "story_id"),
)

# Identities of pruned items, so an old item still in a feed does not come back after retention.
tombstones = sa.Table(
    "tombstones", metadata,
    sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("identity", sa.String(40), primary_key=True),
    sa.Column("deleted_at", UTCDateTime, nullable=False),
)


# A story: the items that tell the same event, across outlets or re-posted by one.
stories = sa.Table(
    "stories", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("founder_item_id", sa.Integer, nullable=False),  # its first item: the story's stable identity
    sa.Column("first_published", UTCDateTime, nullable=False),
    sa.Column("last_published", UTCDateTime, nullable=False),
    sa.Column("item_count", sa.Integer, nullable=False, default=1),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_stories_first_published", "first_published"),
)

# LSH index of the near-duplicate window: one row per (band key, item); pruned with the window, so a lookup
# costs the same however many items are stored.
story_bands = sa.Table(
    "story_bands", metadata,
    sa.Column("band_key", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("published", sa.BigInteger, nullable=False),  # epoch seconds: 32 rows per item are written raw
    sqlite_with_rowid=False,  # one B-tree keyed by band, not a table plus an index: half the writes
)


# Topics of an item with the model's score; `chosen` when the score passed the topic's threshold.
item_topics = sa.Table(
    "item_topics", metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic", sa.String(32), primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("chosen", sa.Boolean, nullable=False),
    sqlite_with_rowid=False,
)

# The daily digest's sending state: a row is written before a message leaves, so a crash never sends twice.
digest_sends = sa.Table(
    "digest_sends", metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("recipient", sa.Text, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # sending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


# Named rows that workers sharing one database coordinate through (store/coordination.py):
#   "changes"    number = how many committed polls changed the stored items
#   "published"  number = the "changes" value the outputs were last built from
#   "digest"     number = the last day (YYYYMMDD) whose digest was made
#   "once"       at/until = the `run --once` cycle being run, joined by workers that start during it
coordination = sa.Table(
    "coordination", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("number", sa.BigInteger, nullable=False, default=0),
    sa.Column("at", UTCDateTime),
    sa.Column("until", UTCDateTime),
)
COORDINATION_ROWS = ("changes", "published", "digest", "once")


def _initial(conn: Connection) -> None:
    raise AssertionError("a new database is created from the current metadata, not migrated")


def _coordination(conn: Connection) -> None:
    table = sa.Table(
        "coordination", sa.MetaData(),
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("number", sa.BigInteger, nullable=False),
        sa.Column("at", sa.DateTime),
        sa.Column("until", sa.DateTime),
    )
    table.create(conn)
    _seed_coordination(conn)


def _seed_coordination(conn: Connection) -> None:
    conn.execute(coordination.insert(), [{"name": name, "number": 0} for name in COORDINATION_ROWS])


# Append only: a migration, once released, never changes. A new database is created from the current
# metadata and stamped with the latest version; an older one gets the steps after its version, each written
# as explicit DDL (never from `metadata`, which describes only the newest schema).
MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, _initial),
    (2, _coordination),
]


def migrate(conn: Connection) -> int:
    """Apply the migrations not yet applied; return the schema version. Call inside a transaction.

    On PostgreSQL a transaction-level advisory lock makes workers that start together take turns: the first
    migrates, the others then find the schema current. (SQLite: BEGIN IMMEDIATE already serialises them.)"""
    serialise(conn, "migrate")
    schema_version.create(conn, checkfirst=True)
    current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
    if current == 0:
        metadata.create_all(conn)
        _seed_coordination(conn)
        latest = MIGRATIONS[-1][0]
        conn.execute(schema_version.insert().values(version=latest, applied_at=datetime.now(timezone.utc)))
        return latest
    for version, step in MIGRATIONS:
        if version > current:
            step(conn)
            conn.execute(schema_version.insert().values(version=version, applied_at=datetime.now(timezone.utc)))
            current = version
    return current

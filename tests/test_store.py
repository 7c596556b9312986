"""The store on a real SQLite file and a real PostgreSQL database: identity upserts, tombstones, the lease
queue, migrations."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from nashra.aggregator.config import FeedConfig
from nashra.aggregator.identify import content_hash, item_identity
from nashra.aggregator.models import CleanItem
from nashra.aggregator.store import Store, coordination, feeds, items
from nashra.aggregator.store.schema import MIGRATIONS

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
CUTOFF = NOW - timedelta(days=60)


def item(n: int, title: str | None = None, published: datetime = NOW) -> CleanItem:
    title = title or f"خبر {n}"
    return CleanItem(identity=item_identity(f"g{n}", None, title, ""), guid=f"g{n}", link=f"https://x.example/{n}",
                     title=title, summary_html="<p>نص</p>", text="نص", author="", categories=("سياسة",),
                     published=published, content_hash=content_hash(title, "نص"))


def open_store(database: str) -> tuple[Store, int]:
    store = Store(database)
    with store.begin() as conn:
        feeds.sync(conn, (FeedConfig(name="أ", url="https://a.example/rss"),), NOW)
        feed_id = feeds.all_states(conn)[0].id
    return store, feed_id


def test_migrations_apply_once(database):
    store, _ = open_store(database)
    store.close()
    again = Store(database)
    with again.engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_version")).scalars().all()
        if again.engine.dialect.name == "sqlite":
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    assert versions == [MIGRATIONS[-1][0]]  # a new database is created current, not replayed


def test_an_old_database_is_migrated_and_keeps_its_rows(database):
    """A version-1 database (before the coordination table) gets migration 2 and loses nothing."""
    store, feed_id = open_store(database)
    with store.begin() as conn:
        items.save(conn, feed_id, [item(1)], NOW, CUTOFF)
        conn.execute(sa.text("DROP TABLE coordination"))
        conn.execute(sa.text("DELETE FROM schema_version"))
        conn.execute(sa.text("INSERT INTO schema_version (version, applied_at) VALUES (1, :t)"),
                     {"t": NOW.replace(tzinfo=None)})
    store.close()
    again = Store(database)
    with again.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars().all() == [1, 2]
        assert coordination.unpublished_changes(conn) is None
        assert items.count(conn) == 1


def test_new_updated_unchanged(database):
    store, feed_id = open_store(database)
    with store.begin() as conn:
        assert [(i.title) for _, i in items.save(conn, feed_id, [item(1), item(2), item(2)], NOW, CUTOFF)[0]] == ['خبر 1', 'خبر 2']
    with store.begin() as conn:
        assert items.save(conn, feed_id, [item(1), item(2)], NOW, CUTOFF) == ([], 0)
        edited = replace(item(2, "خبر 2 محدث"), identity=item(2).identity)
        assert items.save(conn, feed_id, [item(1), edited], NOW, CUTOFF) == ([], 1)
    with store.engine.connect() as conn:
        assert items.count(conn) == 2
        assert {i.title for i in items.latest(conn, 10)} == {"خبر 1", "خبر 2 محدث"}


def test_pruned_items_do_not_come_back(database):
    store, feed_id = open_store(database)
    old = NOW - timedelta(days=30)
    with store.begin() as conn:
        items.save(conn, feed_id, [item(1, published=old), item(2)], NOW, CUTOFF)
    later = NOW + timedelta(days=40)
    with store.begin() as conn:
        assert items.prune(conn, later - timedelta(days=60), later) == 1
        assert items.save(conn, feed_id, [item(1, published=NOW)], later, later - timedelta(days=90)) == ([], 0)
        assert items.save(conn, feed_id, [item(3, published=old - timedelta(days=100))], later,
                          later - timedelta(days=60)) == ([], 0)  # older than retention: not stored
    with store.engine.connect() as conn:
        assert [i.title for i in items.latest(conn, 10)] == ["خبر 2"]


def test_claims_lease_due_feeds_once(database):
    store, feed_id = open_store(database)
    with store.begin() as conn:
        assert [f.id for f in feeds.claim_due(conn, NOW, 300, 10)] == [feed_id]
        assert feeds.claim_due(conn, NOW, 300, 10) == []  # leased
        assert feeds.claim_due(conn, NOW + timedelta(seconds=301), 300, 10)[0].id == feed_id  # lease expired
        feeds.record(conn, feed_id, feeds.FeedUpdate(next_check_at=NOW + timedelta(hours=1), checked_at=NOW,
                                                     success=True, etag='"e"'))
        assert feeds.claim_due(conn, NOW + timedelta(minutes=5), 300, 10) == []  # not due
        assert feeds.claim_due(conn, NOW + timedelta(minutes=5), 300, 10, checked_before=NOW + timedelta(minutes=5))[0].etag == '"e"'


def test_sync_deactivates_removed_feeds(database):
    store, feed_id = open_store(database)
    with store.begin() as conn:
        feeds.sync(conn, (FeedConfig(name="ب", url="https://b.example/rss"),), NOW)
        assert [f.name for f in feeds.all_states(conn)] == ["ب"]
        feeds.sync(conn, (FeedConfig(name="أأ", url="https://a.example/rss"),), NOW)
        assert [(f.id, f.name) for f in feeds.all_states(conn)] == [(feed_id, "أأ")]

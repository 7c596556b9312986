"""The store on a real SQLite file: identity upserts, tombstones, the lease queue, migrations."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from nashra.aggregator.config import FeedConfig
from nashra.aggregator.identify import content_hash, item_identity
from nashra.aggregator.models import CleanItem
from nashra.aggregator.store import Store, feeds, items
from nashra.aggregator.store.schema import MIGRATIONS

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
CUTOFF = NOW - timedelta(days=60)


def item(n: int, title: str | None = None, published: datetime = NOW) -> CleanItem:
    title = title or f"خبر {n}"
    return CleanItem(identity=item_identity(f"g{n}", None, title, ""), guid=f"g{n}", link=f"https://x.example/{n}",
                     title=title, summary_html="<p>نص</p>", text="نص", author="", categories=("سياسة",),
                     published=published, content_hash=content_hash(title, "نص"))


def open_store(tmp_path) -> tuple[Store, int]:
    store = Store(f"sqlite:///{tmp_path / 'n.db'}")
    with store.begin() as conn:
        feeds.sync(conn, (FeedConfig(name="أ", url="https://a.example/rss"),), NOW)
        feed_id = feeds.all_states(conn)[0].id
    return store, feed_id


def test_migrations_apply_once(tmp_path):
    store, _ = open_store(tmp_path)
    store.close()
    again = Store(f"sqlite:///{tmp_path / 'n.db'}")
    with again.engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_version")).scalars().all()
        mode = conn.execute(sa.text("PRAGMA journal_mode")).scalar()
    assert versions == [v for v, _ in MIGRATIONS] and mode == "wal"


def test_new_updated_unchanged(tmp_path):
    store, feed_id = open_store(tmp_path)
    with store.begin() as conn:
        assert [(i.title) for _, i in items.save(conn, feed_id, [item(1), item(2), item(2)], NOW, CUTOFF)[0]] == ['خبر 1', 'خبر 2']
    with store.begin() as conn:
        assert items.save(conn, feed_id, [item(1), item(2)], NOW, CUTOFF) == ([], 0)
        edited = replace(item(2, "خبر 2 محدث"), identity=item(2).identity)
        assert items.save(conn, feed_id, [item(1), edited], NOW, CUTOFF) == ([], 1)
    with store.engine.connect() as conn:
        assert items.count(conn) == 2
        assert {i.title for i in items.latest(conn, 10)} == {"خبر 1", "خبر 2 محدث"}


def test_pruned_items_do_not_come_back(tmp_path):
    store, feed_id = open_store(tmp_path)
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


def test_claims_lease_due_feeds_once(tmp_path):
    store, feed_id = open_store(tmp_path)
    with store.begin() as conn:
        assert [f.id for f in feeds.claim_due(conn, NOW, 300, 10)] == [feed_id]
        assert feeds.claim_due(conn, NOW, 300, 10) == []  # leased
        assert feeds.claim_due(conn, NOW + timedelta(seconds=301), 300, 10)[0].id == feed_id  # lease expired
        feeds.record(conn, feed_id, feeds.FeedUpdate(next_check_at=NOW + timedelta(hours=1), checked_at=NOW,
                                                     success=True, etag='"e"'))
        assert feeds.claim_due(conn, NOW + timedelta(minutes=5), 300, 10) == []  # not due
        assert feeds.claim_due(conn, NOW + timedelta(minutes=5), 300, 10, every_feed=True)[0].etag == '"e"'


def test_sync_deactivates_removed_feeds(tmp_path):
    store, feed_id = open_store(tmp_path)
    with store.begin() as conn:
        feeds.sync(conn, (FeedConfig(name="ب", url="https://b.example/rss"),), NOW)
        assert [f.name for f in feeds.all_states(conn)] == ["ب"]
        feeds.sync(conn, (FeedConfig(name="أأ", url="https://a.example/rss"),), NOW)
        assert [(f.id, f.name) for f in feeds.all_states(conn)] == [(feed_id, "أأ")]

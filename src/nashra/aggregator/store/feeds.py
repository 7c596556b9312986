"""The feeds table is the work queue: sync from the config, claim due feeds with a lease, record polls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..config import FeedConfig
from ..models import FeedState
from .schema import feeds


@dataclass(frozen=True)
class FeedUpdate:
    """The new state of a feed after one poll; None fields are left as they were."""

    next_check_at: datetime
    checked_at: datetime
    success: bool
    error: str | None = None
    problem: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    new_url: str | None = None
    title: str | None = None
    site_link: str | None = None
    gone_reason: str | None = None


def _state(row: sa.Row) -> FeedState:
    return FeedState(
        id=row.id, name=row.name, url=row.url, config_url=row.config_url, section=row.section,
        encoding=row.encoding, etag=row.etag, last_modified=row.last_modified,
        error_count=row.error_count, last_error=row.last_error, last_success_at=row.last_success_at,
        last_checked_at=row.last_checked_at, next_check_at=row.next_check_at, gone_reason=row.gone_reason,
        title=row.title, site_link=row.site_link,
    )


def sync(conn: Connection, configured: tuple[FeedConfig, ...], now: datetime) -> None:
    """Make the table match the config: add new feeds, update names, deactivate removed ones."""
    existing = {r.config_url: r for r in conn.execute(sa.select(feeds.c.id, feeds.c.config_url, feeds.c.name,
                                                                feeds.c.section, feeds.c.encoding, feeds.c.active))}
    wanted = set()
    for feed in configured:
        wanted.add(feed.url)
        row = existing.get(feed.url)
        if row is None:
            conn.execute(feeds.insert().values(
                config_url=feed.url, url=feed.url, name=feed.name, section=feed.section, encoding=feed.encoding,
                active=True, error_count=0, created_at=now))
        elif (row.name, row.section, row.encoding, row.active) != (feed.name, feed.section, feed.encoding, True):
            conn.execute(feeds.update().where(feeds.c.id == row.id).values(
                name=feed.name, section=feed.section, encoding=feed.encoding, active=True))
    gone = [r.id for url, r in existing.items() if url not in wanted and r.active]
    if gone:
        conn.execute(feeds.update().where(feeds.c.id.in_(gone)).values(active=False))


def claim_due(conn: Connection, now: datetime, lease_seconds: int, limit: int,
              checked_before: datetime | None = None) -> list[FeedState]:
    """Lease up to `limit` feeds that are due, oldest due first; with `checked_before` (a `run --once`
    cycle), every active feed not checked since then instead. Rows another worker is claiming right now
    are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL), and a lease keeps them off other workers' claims
    until it expires."""
    query = sa.select(feeds).where(
        feeds.c.active.is_(True),
        feeds.c.gone_reason.is_(None),
        sa.or_(feeds.c.lease_until.is_(None), feeds.c.lease_until < now),
    )
    if checked_before is None:
        query = query.where(sa.or_(feeds.c.next_check_at.is_(None), feeds.c.next_check_at <= now))
    else:
        query = query.where(sa.or_(feeds.c.last_checked_at.is_(None), feeds.c.last_checked_at < checked_before))
    query = query.order_by(feeds.c.next_check_at.is_not(None), feeds.c.next_check_at, feeds.c.id).limit(limit)
    rows = conn.execute(query.with_for_update(skip_locked=True)).all()
    if rows:
        conn.execute(feeds.update().where(feeds.c.id.in_([r.id for r in rows]))
                     .values(lease_until=now + timedelta(seconds=lease_seconds)))
    return [_state(r) for r in rows]


def record(conn: Connection, feed_id: int, update: FeedUpdate) -> None:
    """Store a poll's outcome and release the lease."""
    values: dict = {"next_check_at": update.next_check_at, "lease_until": None,
                    "last_checked_at": update.checked_at}
    if update.success:
        values.update(error_count=0, last_error=None, last_success_at=update.checked_at,
                      last_problem=update.problem)
        if update.etag is not None or update.last_modified is not None:
            values.update(etag=update.etag, last_modified=update.last_modified)
    else:
        values.update(error_count=feeds.c.error_count + 1, last_error=update.error,
                      last_error_at=update.checked_at)
    for key in ("title", "site_link", "gone_reason"):
        if getattr(update, key):
            values[key] = getattr(update, key)
    if update.new_url:
        values["url"] = update.new_url
    conn.execute(feeds.update().where(feeds.c.id == feed_id).values(**values))


def renew(conn: Connection, feed_ids: list[int], until: datetime) -> None:
    """Extend the leases of feeds still waiting in this worker's queue or in flight."""
    for start in range(0, len(feed_ids), 900):
        conn.execute(feeds.update().where(feeds.c.id.in_(feed_ids[start:start + 900]),
                                          feeds.c.lease_until.is_not(None)).values(lease_until=until))


def release(conn: Connection, feed_ids: list[int]) -> None:
    """Give back leases not used (a stop before the feeds were polled)."""
    if feed_ids:
        conn.execute(feeds.update().where(feeds.c.id.in_(feed_ids)).values(lease_until=None))


def release_all(conn: Connection) -> int:
    """Clear every lease: only for a sole worker (the SQLite lock holder), whose predecessors are all dead."""
    return conn.execute(feeds.update().where(feeds.c.lease_until.is_not(None)).values(lease_until=None)).rowcount


def all_states(conn: Connection, active_only: bool = True) -> list[FeedState]:
    query = sa.select(feeds).order_by(feeds.c.id)
    if active_only:
        query = query.where(feeds.c.active.is_(True))
    return [_state(r) for r in conn.execute(query)]


def reactivate(conn: Connection, feed_id: int) -> None:
    """A gone (410) feed is polled again only when the user asks: `nashra feeds check` clears it."""
    conn.execute(feeds.update().where(feeds.c.id == feed_id).values(gone_reason=None, next_check_at=None))

"""What workers sharing one database agree on: whether anything changed since the last publish, whether
today's digest was made, and which `run --once` cycle is under way. Who does a job is decided by locks.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import coordination

_c = coordination.c


def _number(conn: Connection, name: str) -> int:
    return conn.execute(sa.select(_c.number).where(_c.name == name)).scalar_one()


def _set(conn: Connection, name: str, **values) -> None:
    conn.execute(coordination.update().where(_c.name == name).values(**values))


def note_change(conn: Connection) -> None:
    """Called in the transaction that changed stored items: the outputs are stale from its commit on.
    It is the transaction's last statement, so the row lock is held only until the commit."""
    _set(conn, "changes", number=_c.number + 1)


def unpublished_changes(conn: Connection) -> int | None:
    """The change count to publish, or None when the outputs already show every committed change."""
    changes, published = _number(conn, "changes"), _number(conn, "published")
    return changes if changes != published else None


def mark_published(conn: Connection, changes: int) -> None:
    _set(conn, "published", number=changes)


def digest_made(conn: Connection, day: int) -> bool:
    return _number(conn, "digest") >= day


def mark_digest(conn: Connection, day: int) -> None:
    _set(conn, "digest", number=day)


def join_once_cycle(conn: Connection, now: datetime, hold: timedelta) -> tuple[datetime, bool]:
    """Start a `run --once` cycle, or join the one other workers are in (or ended a moment ago); returns its
    start and whether it was joined. A feed checked since that start is done for the cycle, so workers started
    together split the feeds and fetch each once in total, however their start-ups are staggered.
    The row counts the workers in the cycle; `until` (pushed on by every claim) retires a cycle whose
    workers were killed before they could leave it."""
    row = conn.execute(sa.select(_c.number, _c.at, _c.until).where(_c.name == "once").with_for_update()).one()
    if row.at is not None and row.until is not None and row.until > now:
        _set(conn, "once", number=row.number + 1, until=max(row.until, now + hold))
        return row.at, True
    _set(conn, "once", number=1, at=now, until=now + hold)
    return now, False


def extend_once_cycle(conn: Connection, started: datetime, now: datetime, hold: timedelta) -> None:
    conn.execute(coordination.update().where(_c.name == "once", _c.at == started, _c.until < now + hold)
                 .values(until=now + hold))


def leave_once_cycle(conn: Connection, started: datetime, now: datetime, grace: timedelta) -> None:
    """This worker is done; when it was the last, the cycle stays joinable for `grace` (workers whose
    start-up was slower still join it), then a `run --once` is a new cycle."""
    row = conn.execute(sa.select(_c.number).where(_c.name == "once", _c.at == started).with_for_update()).first()
    if row is None:
        return
    left = max(0, row.number - 1)
    _set(conn, "once", number=left, **({} if left else {"until": now + grace}))

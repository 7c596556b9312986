"""Feed health for people: `nashra status` (from the store) and `nashra feeds check` (live, nothing stored)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo

import sqlalchemy as sa

from .config import Config
from .fetch import Fetcher
from .models import FeedState
from .store import Store, feeds
from .store.schema import items
from .update import poll_feed


@dataclass(frozen=True)
class FeedHealth:
    name: str
    url: str
    items: int
    last_success_at: datetime | None
    last_error: str | None
    error_count: int
    next_check_at: datetime | None
    gone_reason: str | None
    problem: str | None

    @property
    def state(self) -> str:
        if self.gone_reason:
            return "gone"
        if self.error_count:
            return "failing"
        return "ok" if self.last_success_at else "new"

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("last_success_at", "next_check_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["state"] = self.state
        return data


def feed_health(store: Store) -> list[FeedHealth]:
    with store.engine.connect() as conn:
        counts = dict(conn.execute(sa.select(items.c.feed_id, sa.func.count()).group_by(items.c.feed_id)).all())
        problems = dict(conn.execute(sa.select(feeds.feeds.c.id, feeds.feeds.c.last_problem)).all())
        states = feeds.all_states(conn)
    return [FeedHealth(name=f.name, url=f.url, items=counts.get(f.id, 0), last_success_at=f.last_success_at,
                       last_error=f.last_error, error_count=f.error_count, next_check_at=f.next_check_at,
                       gone_reason=f.gone_reason, problem=problems.get(f.id)) for f in states]


def _local(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "-"


def format_health(rows: list[FeedHealth], zone: tzinfo) -> str:
    if not rows:
        return "no feeds in the store yet: run `nashra run --once` first"
    lines = [f"{'state':8} {'items':>6}  {'last success':16}  {'errors':>6}  {'next check':16}  feed"]
    for row in rows:
        next_check = "never (gone)" if row.gone_reason else _local(row.next_check_at, zone)
        lines.append(f"{row.state:8} {row.items:>6}  {_local(row.last_success_at, zone):16}  "
                     f"{row.error_count:>6}  {next_check:16}  {row.name} <{row.url}>")
        if row.gone_reason:
            lines.append(f"{'':10}stopped: {row.gone_reason}")
        elif row.last_error and row.error_count:
            lines.append(f"{'':10}last error: {row.last_error}")
        if row.problem:
            lines.append(f"{'':10}problem: {row.problem}")
    failing = sum(1 for r in rows if r.state in ("failing", "gone"))
    lines.append(f"{len(rows)} feeds, {failing} failing; times in {zone}")
    return "\n".join(lines)


def check_feeds(config: Config, names: list[str]) -> int:
    """Fetch and parse feeds now; print one line each; a gone feed that works again is re-enabled."""
    wanted = [f for f in config.feeds if not names or f.name in names or f.url in names]
    if not wanted:
        print("no such feed in the configuration: " + ", ".join(names))
        return 2
    states = [FeedState(id=i, name=f.name, url=f.url, config_url=f.url, encoding=f.encoding)
              for i, f in enumerate(wanted)]
    with Fetcher(config.fetch) as fetcher, ThreadPoolExecutor(config.fetch.workers) as pool:
        polls = list(pool.map(lambda s: poll_feed(s, fetcher, config), states))
    failed = 0
    for poll in polls:
        if poll.error:
            failed += 1
            print(f"FAIL  {poll.feed.name} <{poll.feed.url}>: {poll.error}")
        else:
            note = f"; {poll.problem}" if poll.problem else ""
            print(f"ok    {poll.feed.name} <{poll.feed.url}>: {len(poll.items)} items{note}")
    _reenable_gone(config, [p.feed.url for p in polls if not p.error])
    print(f"{len(polls)} feeds checked, {failed} failed")
    return 1 if failed else 0


def _reenable_gone(config: Config, working_urls: list[str]) -> None:
    try:
        store = Store(config.database, config.database_busy_timeout)
    except Exception:
        return  # checking feeds must work without a store
    try:
        with store.begin() as conn:
            for state in feeds.all_states(conn):
                if state.gone_reason and state.config_url in working_urls:
                    feeds.reactivate(conn, state.id)
                    print(f"re-enabled {state.name}: it answers again")
    finally:
        store.close()

"""The daemon: a short tick that polls due feeds and publishes when something changed.

APScheduler fires only the tick (and, later, the daily digest); all scheduling state is in the store, so a
restart neither loses nor repeats work. Every job is bounded (requests have a total deadline),
`max_instances=1` and `coalesce` keep a slow tick from piling up, and SIGINT/SIGTERM stop within seconds.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from .classify import TopicStage
from .config import Config
from .fetch import Fetcher
from .metrics import Metrics
from .models import PollOutcome
from .netguard import set_stop_event
from .publish import OutputError, publish_all
from .store import Store, coordination, feeds, items, locks, sqlite_path, stories
from .update import CycleReport, Updater, utcnow

log = logging.getLogger("nashra.daemon")


class AlreadyRunning(Exception):
    pass


class DaemonLock:
    """Keeps two daemons off one SQLite file: an flock on `<db>.lock`, released when the process dies."""

    def __init__(self, database_url: str) -> None:
        path = sqlite_path(database_url)
        self.path = Path(f"{path}.lock") if path else None
        self._fd: int | None = None

    @property
    def exclusive(self) -> bool:
        """True when holding this lock makes us the only worker on the database."""
        return self._fd is not None

    def acquire(self) -> None:
        if self.path is None:
            return  # PostgreSQL: workers share the queue through leases
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunning(f"another nashra daemon (pid {holder}) is using {self.path.with_suffix('')}; "
                                 "stop it first, or give this one another database") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass
class Daemon:
    config: Config
    store: Store

    def __post_init__(self) -> None:
        self.stop_event = threading.Event()
        self.fetcher = Fetcher(self.config.fetch)
        self.topics = TopicStage(self.config, self.store)
        self.updater = Updater(self.config, self.store, self.fetcher, self.topics)
        self.metrics = Metrics(self.store)
        self.last_tick_at: datetime | None = None  # when the last cycle ended
        self.tick_started_at: datetime | None = None  # set while a cycle runs
        self.publish_error: str | None = None

    def sync_feeds(self, sole_worker: bool = False) -> None:
        """Bring the feeds table in line with the config; a sole worker also takes back the leases of a
        predecessor that died (kill -9) instead of waiting for them to expire."""
        with self.store.begin() as conn:
            locks.serialise(conn, "sync")  # two workers starting together would insert a feed twice
            feeds.sync(conn, self.config.feeds, utcnow())
            if sole_worker and (released := feeds.release_all(conn)):
                log.info("took back %d feed leases left by a previous run that did not finish", released)
        if self.topics.ensure_model() is not None and (scored := self.topics.rescore(only_unscored=True)):
            log.info("gave topics to %d stored items that had none", scored)
        self.updater.start_workers(len(self.config.feeds))

    def cycle(self, *, every_feed: bool = False,
              progress: Callable[[PollOutcome], None] | None = None) -> CycleReport:
        """Poll (due or all) feeds, prune old items, publish if anything changed."""
        started = time.monotonic()
        self.tick_started_at = utcnow()

        def polled(outcome: PollOutcome) -> None:
            self.metrics.poll_done(outcome)
            if progress:
                progress(outcome)

        try:
            report = self.updater.run_cycle(every_feed=every_feed, stop=self.stop_event, progress=polled)
        finally:
            self.tick_started_at = None
        now = utcnow()
        pruned = 0
        with locks.leader(self.store.engine, "prune") as leading:
            if leading:
                with self.store.begin() as conn:
                    pruned = items.prune(conn, now - timedelta(days=self.config.retention_days), now)
                    # band rows older than two windows can no longer match anything that arrives
                    stories.prune_bands(conn, now - 2 * timedelta(hours=self.config.stories.window_hours))
                    if pruned:
                        stories.prune_empty(conn)
                        coordination.note_change(conn)
        self.publish_if_changed()
        self.last_tick_at = utcnow()
        self.metrics.cycle_done(time.monotonic() - started)
        if report.outcomes:
            log.info("cycle: %d feeds polled, %d new items, %d updated, %d failed%s",
                     len(report.outcomes), report.new_items, report.updated_items, report.errors,
                     f", {pruned} pruned" if pruned else "")
        return report

    def readiness(self) -> tuple[bool, str]:
        """/readyz: the database answers and the tick is alive (one ended lately, or one is running and
        younger than a lease, as on a long first cycle)."""
        try:
            with self.store.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            return False, f"database unreachable: {getattr(exc, 'orig', exc)}"
        now, schedule = utcnow(), self.config.schedule
        running = self.tick_started_at
        if running is not None and now - running < timedelta(seconds=schedule.lease_seconds):
            return True, f"ok: cycle running since {running:%H:%M:%S} UTC"
        if self.last_tick_at is not None and now - self.last_tick_at < timedelta(
                seconds=max(3 * schedule.tick_seconds, 120)):
            return True, f"ok: last cycle ended {self.last_tick_at:%H:%M:%S} UTC"
        return False, ("no cycle has ended yet" if self.last_tick_at is None
                       else f"no cycle since {self.last_tick_at:%Y-%m-%d %H:%M:%S} UTC")

    def publish_if_changed(self) -> None:
        """Rebuild the outputs when a committed change (by any worker) is not in them yet. One worker at a time
        publishes; the others skip, and a change that lands during a publish is picked up by the next call."""
        with locks.leader(self.store.engine, "publish") as leading:
            if not leading:
                return
            with self.store.engine.connect() as conn:
                changes = coordination.unpublished_changes(conn)
            missing = not (self.config.output_dir / "feed.atom").exists()
            if changes is None and not missing and not self.publish_error:
                return
            if self.publish() and changes is not None:
                with self.store.begin() as conn:
                    coordination.mark_published(conn, changes)

    def publish(self) -> bool:
        try:
            publish_all(self.config, self.store)
            self.publish_error = None
            return True
        except OutputError as exc:
            self.publish_error = str(exc)
            log.error("publish failed: %s (polling goes on; retried after the next cycle)", exc)
            return False

    def daily_digest(self) -> None:
        """The previous day's digest, written and (when recipients are configured) sent, by one worker."""
        from .digest import build_digest, previous_day
        from .digest.send import send_digest

        try:
            day = previous_day(utcnow(), self.config)
            day_number = int(day.strftime("%Y%m%d"))
            with locks.leader(self.store.engine, "digest") as leading:
                if not leading:
                    return
                with self.store.engine.connect() as conn:
                    if coordination.digest_made(conn, day_number):
                        return
                files = build_digest(self.config, self.store, day)
                failed: tuple[str, ...] = ()
                if self.config.digest.recipients:
                    failed = send_digest(self.store, self.config.digest.smtp, files.message, day,
                                         self.config.digest.recipients).failed
                if not failed:  # a failed send is tried again by `nashra digest --send`
                    with self.store.begin() as conn:
                        coordination.mark_digest(conn, day_number)
        except Exception:  # the daemon goes on; the next run (or `nashra digest --send`) retries
            log.exception("daily digest failed")

    def tick(self) -> None:
        try:
            self.cycle()
        except sa.exc.OperationalError as exc:  # locked or unreachable: one line, and the next tick retries
            log.error("tick skipped: database error: %s", exc.orig)
        except Exception:  # the scheduler must keep ticking; the next tick retries
            log.exception("tick failed")

    def run_forever(self) -> None:
        scheduler = BackgroundScheduler(timezone=self.config.timezone)
        scheduler.add_job(self.tick, "interval", seconds=self.config.schedule.tick_seconds, id="tick",
                          next_run_time=datetime.now(timezone.utc), max_instances=1, coalesce=True,
                          misfire_grace_time=self.config.schedule.tick_seconds)
        hour, minute = self.config.digest.time.split(":")
        scheduler.add_job(self.daily_digest, "cron", hour=int(hour), minute=int(minute), id="digest",
                          max_instances=1, coalesce=True, misfire_grace_time=3600)
        scheduler.start()
        log.info("daemon started: %d feeds, tick every %ds, database %s", len(self.config.feeds),
                 self.config.schedule.tick_seconds, self.store.display_url)
        try:
            self.stop_event.wait()
        finally:
            log.info("stopping")
            scheduler.shutdown(wait=True)

    def request_stop(self, *_: object) -> None:
        self.stop_event.set()

    def install_signal_handlers(self) -> None:
        set_stop_event(self.stop_event)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.request_stop)

    def close(self) -> None:
        self.updater.close()
        self.fetcher.close()

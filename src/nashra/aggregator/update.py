"""One update cycle: claim due feeds, poll them on a worker pool, store each poll in its own transaction.

Network and CPU work (fetch, parse, clean) runs on the workers; the store is written from the calling
thread only, one transaction per feed, so a crash at any point leaves every feed either fully recorded or
still due (its lease expires and the next cycle takes it again).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Callable, ContextManager

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from urllib.parse import urlsplit

from .classify import TopicStage, scores_in_worker
from .cluster import ClusterSettings, Fingerprint, NewItem, RecentFingerprints, assign_stories, fingerprints
from .config import Config
from .fetch import Fetcher, FetchError
from .models import CleanItem, FeedState, FetchResult, ParsedFeed, PollOutcome
from .parse import ParseError, parse_feed
from .process import clean_feed
from .schedule import cache_max_age, next_check_after_error, next_check_after_success
from .store import Store, coordination, feeds, items
from .store.feeds import FeedUpdate

log = logging.getLogger("nashra.update")
WORKER_NICENESS = 10
PROCESS_THRESHOLD = 16  # fewer feeds due than this: parse on the fetch threads, no process start-up


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Poll:
    """What polling one feed produced, before it is stored."""

    feed: FeedState
    checked_at: datetime
    fetched: FetchResult | None = None
    items: list[CleanItem] = field(default_factory=list)
    fingerprints: dict[str, Fingerprint] = field(default_factory=dict)  # by item identity
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # topic scores by identity, when computed
    title: str | None = None
    site_link: str | None = None
    ttl_minutes: int | None = None
    problem: str | None = None
    error: str | None = None
    retry_after: float | None = None
    gone: bool = False
    seconds: float = 0.0  # fetch and parse


@dataclass(frozen=True)
class _Written:
    """What storing one poll did."""

    update: FeedUpdate
    status: str  # new | unchanged | error | gone
    stored: list[tuple[int, CleanItem]]  # new items with their ids
    changed: int


@dataclass
class CycleReport:
    outcomes: list[PollOutcome] = field(default_factory=list)

    @property
    def new_items(self) -> int:
        return sum(o.new_items for o in self.outcomes)

    @property
    def updated_items(self) -> int:
        return sum(o.updated_items for o in self.outcomes)

    @property
    def errors(self) -> int:
        return sum(1 for o in self.outcomes if o.status in ("error", "gone"))

    @property
    def changed(self) -> bool:
        return self.new_items + self.updated_items > 0


def _start_worker(parent_pid: int) -> None:
    """Initializer of the parse workers: they must not outlive a daemon that was killed (kill -9 included), and
    they run below the storing thread's priority."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # where prctl is missing: notice the re-parenting
        while os.getppid() == parent_pid:
            threading.Event().wait(1.0)
        os._exit(0)

    if os.getppid() != parent_pid:
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()
    try:
        # the storing thread is the narrowest point of a busy cycle, and it shares the cores with these
        # workers: they only run ahead of it, so they give way to it (and to the rest of the machine)
        os.nice(WORKER_NICENESS)
    except OSError:
        pass


@dataclass(frozen=True)
class Parsed:
    """What the CPU stage returns (small and picklable: it may come back from another process)."""

    items: list[CleanItem]
    meta: ParsedFeed
    fingerprints: list[Fingerprint]  # one per item, for the cluster stage
    scores: list[dict[str, float]] | None = None  # topic scores per item, when a worker had the model


def parse_and_clean(body: bytes, headers: dict[str, str], url: str, encoding: str | None, zone,
                    fetched_at: datetime, model_key: tuple[str, int] | None = None) -> Parsed:
    """The CPU-bound part of a poll: decode, parse, sanitise, identify, fingerprint, and (in a worker process,
    given the daemon's model file) score topics."""
    parsed = parse_feed(body, headers, url=url, encoding=encoding, zone=zone)
    items = clean_feed(parsed, fetched_at, url)
    return Parsed(items=items, meta=replace(parsed, entries=()),
                  fingerprints=fingerprints([(item.title, item.text) for item in items]),
                  scores=scores_in_worker(model_key, [(item.title, item.text) for item in items]))


def warm_up(model_key: tuple[str, int] | None) -> None:
    """Run in each new parse process: the imports are done by now; load the model and build the story matcher's
    tables (name gazetteer, stem weights), so the first feeds do not wait for them."""
    scores_in_worker(model_key, [("", "")])
    fingerprints([("", "")])


ParseRunner = Callable[..., Parsed]


def poll_feed(feed: FeedState, fetcher: Fetcher, config: Config, run_parse: ParseRunner = parse_and_clean,
              host_slot: ContextManager = nullcontext()) -> Poll:
    """Fetch, parse and clean one feed. Never raises for a bad feed: the error is in the Poll.
    `host_slot` is held while the request runs (the per-host limit), not while the answer is parsed."""
    poll = Poll(feed=feed, checked_at=utcnow())
    started = time.monotonic()
    try:
        _fetch_and_parse(poll, fetcher, config, run_parse, host_slot)
    finally:
        poll.seconds = time.monotonic() - started
    return poll


def _fetch_and_parse(poll: Poll, fetcher: Fetcher, config: Config, run_parse: ParseRunner,
                     host_slot: ContextManager) -> None:
    feed = poll.feed
    try:
        with host_slot:
            fetched = fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        poll.fetched = fetched
        if fetched.not_modified:
            return
        result = run_parse(fetched.body or b"", fetched.headers, fetched.url, feed.encoding, config.timezone,
                           poll.checked_at)
    except FetchError as exc:
        poll.error, poll.retry_after, poll.gone = str(exc), exc.retry_after, exc.gone
        return
    except ParseError as exc:
        poll.error = str(exc)
        return
    except Exception as exc:  # a bug must not stop the other feeds; it is logged with its traceback
        log.exception("feed %r <%s>: unexpected failure", feed.name, feed.url)
        poll.error = f"internal error: {type(exc).__name__}: {exc}"
        return
    meta = result.meta
    poll.items = result.items
    poll.fingerprints = dict(zip((item.identity for item in result.items), result.fingerprints))
    if result.scores is not None:
        poll.scores = dict(zip((item.identity for item in result.items), result.scores))
    poll.title, poll.site_link, poll.ttl_minutes, poll.problem = meta.title or None, meta.link, meta.ttl_minutes, meta.problem


class Updater:
    """Runs cycles against a store: fetch and parse on workers, then store, cluster and classify each poll
    in one transaction."""

    def __init__(self, config: Config, store: Store, fetcher: Fetcher, topics: TopicStage | None = None) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.topics = topics
        self.cluster = ClusterSettings(window=timedelta(hours=config.stories.window_hours),
                                       retold_window=timedelta(hours=config.stories.retold_hours),
                                       threshold=config.stories.threshold, max_items=config.stories.max_items)
        self.recent = RecentFingerprints()
        self._host_limits: dict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(config.fetch.per_host))
        self._host_lock = threading.Lock()
        self._processes: ProcessPoolExecutor | None = None

    @property
    def _model_key(self) -> tuple[str, int] | None:
        """The daemon's model file, for the parse processes to score topics with."""
        return self.topics.model_key if self.topics is not None else None

    def _parse_in_process(self, *args) -> Parsed:
        pool = self._processes
        if pool is None:
            return parse_and_clean(*args)
        try:
            return pool.submit(parse_and_clean, *args, self._model_key).result()
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            # a worker died (killed, or crashed on a hostile document) or could not start: parse here
            log.warning("parser processes unavailable (%s): parsing in-process", type(exc).__name__)
            self._processes = None
            return parse_and_clean(*args)

    def _limited_poll(self, feed: FeedState) -> Poll:
        host = (urlsplit(feed.url).hostname or "").lower()
        with self._host_lock:
            limit = self._host_limits[host]
        return poll_feed(feed, self.fetcher, self.config, self._parse_in_process, host_slot=limit)

    def _use_processes(self, feeds_due: int) -> None:
        """Parsing is CPU-bound and feedparser holds the GIL: with many feeds due, use every core.
        Workers are spawned (not forked: we have threads) once and kept for the daemon's life."""
        cores = os.cpu_count() or 1
        if self._processes is None and cores > 1 and feeds_due >= PROCESS_THRESHOLD:
            self._processes = ProcessPoolExecutor(max_workers=cores,
                                                  mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=_start_worker, initargs=(os.getpid(),))

    def start_workers(self, feeds_active: int) -> None:
        """Start and warm the parse processes with the daemon (when there are enough feeds to use them), so
        that the first cycle does not spend two seconds of both cores on their start-up."""
        self._use_processes(feeds_active)
        if self._processes is not None:
            started = [self._processes.submit(warm_up, self._model_key) for _ in range(os.cpu_count() or 1)]
            fingerprints([("", "")])  # meanwhile the story matcher's tables here: stored candidates are fingerprinted
            wait(started, timeout=120)

    def close(self) -> None:
        if self._processes is not None:
            self._processes.shutdown(wait=True, cancel_futures=True)
            self._processes = None

    def _claim(self, cycle_start: datetime | None) -> list[FeedState]:
        """The next batch of feeds to poll. Small batches let workers sharing a database split the work."""
        cfg, now = self.config, utcnow()
        with self.store.begin() as conn:
            if cycle_start is not None and self.store.shared:
                coordination.extend_once_cycle(conn, cycle_start, now, self._once_hold)
            return feeds.claim_due(conn, now, cfg.schedule.lease_seconds, limit=max(PROCESS_THRESHOLD,
                                   cfg.fetch.workers * 4), checked_before=cycle_start)

    def _start_once_cycle(self) -> datetime:
        now = utcnow()
        if not self.store.shared:
            return now  # the sole worker: a new `run --once` polls every feed again
        with self.store.begin() as conn:
            started, joined = coordination.join_once_cycle(conn, now, self._once_hold)
        if joined:
            log.info("joined the run --once cycle that another worker started at %s UTC: feeds it has "
                     "polled are not polled again", f"{started:%H:%M:%S}")
        return started

    @property
    def _once_hold(self) -> timedelta:
        """How long a `run --once` cycle stays joinable after its last claim, in case its workers died."""
        return timedelta(seconds=self.config.schedule.lease_seconds)

    def run_cycle(self, *, every_feed: bool = False, stop: threading.Event | None = None,
                  progress: Callable[[PollOutcome], None] | None = None) -> CycleReport:
        """Poll the due feeds (or every active feed) once. Returns when all are recorded or on stop."""
        cycle_start = self._start_once_cycle() if every_feed else None
        try:
            return self._run(cycle_start, stop, progress)
        finally:
            if cycle_start is not None and self.store.shared:
                with self.store.begin() as conn:
                    coordination.leave_once_cycle(conn, cycle_start, utcnow(),
                                                  timedelta(seconds=self.config.schedule.once_join_seconds))

    def _run(self, cycle_start: datetime | None, stop: threading.Event | None,
             progress: Callable[[PollOutcome], None] | None) -> CycleReport:
        cfg = self.config
        report = CycleReport()
        pending: dict[Future, int] = {}  # future -> feed id
        queue = list(reversed(self._claim(cycle_start)))
        if not queue:
            return report
        self._use_processes(len(queue))
        more = True

        def stopping() -> bool:
            return stop is not None and stop.is_set()

        renew_every = cfg.schedule.lease_seconds / 3
        renewed = time.monotonic()
        with ThreadPoolExecutor(max_workers=cfg.fetch.workers, thread_name_prefix="fetch") as pool:
            while queue or pending:
                while queue and len(pending) < cfg.fetch.workers * 2 and not stopping():
                    feed = queue.pop()
                    pending[pool.submit(self._limited_poll, feed)] = feed.id
                    if not queue and more and not stopping():
                        queue = list(reversed(self._claim(cycle_start)))
                        more = bool(queue)
                if stopping() and queue:
                    with self.store.begin() as conn:
                        feeds.release(conn, [f.id for f in queue])
                    queue.clear()
                if not pending:
                    break
                if time.monotonic() - renewed > renew_every:
                    # a queue slowed by per-host limits or timeouts must not lose its leases to other workers
                    with self.store.begin() as conn:
                        feeds.renew(conn, [*pending.values(), *(f.id for f in queue)],
                                    utcnow() + timedelta(seconds=cfg.schedule.lease_seconds))
                    renewed = time.monotonic()
                done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    del pending[future]
                # the polls that finished meanwhile are stored together: the slower storing is, the more
                # of them share a commit
                for outcome in self.record_group([future.result() for future in done]) if done else ():
                    report.outcomes.append(outcome)
                    if progress:
                        progress(outcome)
        return report

    def record_group(self, polls: list[Poll]) -> list[PollOutcome]:
        """Store the polls that finished together in one transaction: each feed is still recorded whole or
        not at all, and a busy cycle pays one commit and one story lookup for several feeds, not one each
        (a commit writes every page the polls dirtied; the band index is dirtied in the same pages again and
        again). A database error (locked past the busy timeout, disk full) fails every poll of the group, each
        with its own outcome: none is half-stored, and each is polled again when its lease expires. (Trying
        them one by one would only wait out the busy timeout once per feed.)"""
        try:
            with self.store.begin() as conn:
                written = [self._write(conn, poll) for poll in polls]
                new = [(item_id, item, poll) for poll, w in zip(polls, written) for item_id, item in w.stored]
                assign_stories(conn, [NewItem(item_id, item.title, item.text, item.published, item.content_hash,
                                              poll.fingerprints.get(item.identity)) for item_id, item, poll in new],
                               self.cluster, polls[0].checked_at, self.recent)
                if self.topics is not None and new:
                    self.topics.save_scores(conn, [(item_id, item.title, item.text) for item_id, item, _ in new],
                                            [poll.scores.get(item.identity) for _, item, poll in new], new=True)
                if any(w.stored or w.changed for w in written):
                    coordination.note_change(conn)
        except OperationalError as exc:  # e.g. locked past the busy timeout: these feeds wait
            for poll in polls:
                log.error("feed %r <%s>: poll not stored: database error: %s; retried when its lease expires",
                          poll.feed.name, poll.feed.url, exc.orig)
            return [PollOutcome(feed_id=poll.feed.id, feed_name=poll.feed.name, url=poll.feed.url, status="error",
                                error=f"database error: {exc.orig}") for poll in polls]
        return [self._outcome(poll, w) for poll, w in zip(polls, written)]

    def _write(self, conn: Connection, poll: Poll) -> _Written:
        """A poll's items and the feed's state, written in the caller's transaction; clustering and topics
        are the caller's, for all the polls of a group at once."""
        cfg, feed, now = self.config, poll.feed, poll.checked_at
        if poll.error:
            update = FeedUpdate(
                next_check_at=next_check_after_error(now, cfg.schedule, error_count=feed.error_count + 1,
                                                     retry_after=poll.retry_after),
                checked_at=now, success=False, error=poll.error,
                gone_reason=f"{poll.error} (at {now:%Y-%m-%d %H:%M} UTC)" if poll.gone else None)
            feeds.record(conn, feed.id, update)
            return _Written(update, "gone" if poll.gone else "error", [], 0)
        cutoff = now - timedelta(days=cfg.retention_days)
        stored, changed = items.save(conn, feed.id, poll.items, now, cutoff)
        headers = poll.fetched.headers if poll.fetched else {}
        update = FeedUpdate(
            next_check_at=next_check_after_success(
                now, cfg.schedule, item_times=items.recent_times(conn, feed.id),
                ttl_minutes=poll.ttl_minutes, max_age=cache_max_age(headers.get("cache-control"))),
            checked_at=now, success=True, problem=poll.problem,
            etag=headers.get("etag"), last_modified=headers.get("last-modified"),
            new_url=poll.fetched.permanent_url if poll.fetched else None,
            title=poll.title, site_link=poll.site_link)
        feeds.record(conn, feed.id, update)
        status = "unchanged" if poll.fetched and poll.fetched.not_modified else "new"
        return _Written(update, status, stored, changed)

    @staticmethod
    def _outcome(poll: Poll, written: _Written) -> PollOutcome:
        """Log a stored poll, one line, and say what it did."""
        feed, update, new = poll.feed, written.update, len(written.stored)
        name, url = feed.name, feed.url
        if poll.error:
            log.warning("feed %r <%s>: %s; next try %s", name, url, poll.error,
                        "never (gone)" if poll.gone else f"{update.next_check_at:%Y-%m-%d %H:%M} UTC")
        else:
            if update.new_url:
                log.info("feed %r <%s>: moved permanently to <%s>", name, url, update.new_url)
            log.info("feed %r <%s>: %s, %d new, %d updated%s", name, url,
                     "304 not modified" if written.status == "unchanged" else f"{len(poll.items)} entries", new,
                     written.changed, f"; problem: {poll.problem}" if poll.problem else "")
        return PollOutcome(feed_id=feed.id, feed_name=name, url=url, status=written.status, new_items=new,
                           updated_items=written.changed, error=poll.error, entries=len(poll.items),
                           fetch_seconds=poll.seconds)

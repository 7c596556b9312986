"""Prometheus metrics of one worker: its own counters and timings, plus gauges read from the shared store
when scraped (so every worker reports the same stories, topics and failing feeds)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from .models import PollOutcome
from .store import Store
from .store.schema import feeds, item_topics, items, stories

log = logging.getLogger("nashra.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _StoreCollector:
    """Gauges computed from the database at scrape time."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self):
        try:
            with self.store.engine.connect() as conn:
                stored = conn.execute(sa.select(sa.func.count()).select_from(items)).scalar_one()
                story_count = conn.execute(sa.select(sa.func.count()).select_from(stories)).scalar_one()
                per_topic = conn.execute(sa.select(item_topics.c.topic, sa.func.count())
                                         .where(item_topics.c.chosen.is_(True))
                                         .group_by(item_topics.c.topic)).all()
                failing = conn.execute(sa.select(sa.func.count()).select_from(feeds).where(
                    feeds.c.active.is_(True), sa.or_(feeds.c.error_count > 0, feeds.c.gone_reason.is_not(None)))
                ).scalar_one()
                active = conn.execute(sa.select(sa.func.count()).select_from(feeds)
                                      .where(feeds.c.active.is_(True))).scalar_one()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("metrics: database unreachable: %s", exc)
            yield GaugeMetricFamily("nashra_database_up", "1 when the database answered this scrape", value=0)
            return
        yield GaugeMetricFamily("nashra_database_up", "1 when the database answered this scrape", value=1)
        yield GaugeMetricFamily("nashra_items_stored", "Items in the store", value=stored)
        yield GaugeMetricFamily("nashra_stories", "Stories in the store (items telling one event count once)",
                                value=story_count)
        topic_gauge = GaugeMetricFamily("nashra_topic_items", "Stored items given each topic", labels=["topic"])
        for topic, count in per_topic:
            topic_gauge.add_metric([topic], count)
        yield topic_gauge
        yield GaugeMetricFamily("nashra_feeds", "Active feeds", value=active)
        yield GaugeMetricFamily("nashra_feeds_failing", "Active feeds whose last poll failed, or gone (410)",
                                value=failing)


class Metrics:
    """One registry per worker (not the library's global one: tests run several daemons in a process)."""

    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry()
        self.fetches = Counter("nashra_fetches", "Feed polls by outcome (new, unchanged = 304, error, gone)",
                               ["status"], registry=self.registry)
        self.items = Counter("nashra_items", "Feed entries polled: new, updated, or duplicate (already stored)",
                             ["kind"], registry=self.registry)
        self.cycle_seconds = Histogram("nashra_cycle_duration_seconds", "Wall time of one poll cycle (a tick)",
                                       buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
                                       registry=self.registry)
        self.fetch_seconds = Histogram("nashra_fetch_duration_seconds", "Fetch and parse time of one feed",
                                       buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
                                       registry=self.registry)
        self.registry.register(_StoreCollector(store))

    def poll_done(self, outcome: PollOutcome) -> None:
        self.fetches.labels(outcome.status).inc()
        if outcome.status in ("new", "unchanged"):
            self.items.labels("new").inc(outcome.new_items)
            self.items.labels("updated").inc(outcome.updated_items)
            self.items.labels("duplicate").inc(max(0, outcome.entries - outcome.new_items - outcome.updated_items))
        self.fetch_seconds.observe(outcome.fetch_seconds)

    def cycle_done(self, seconds: float) -> None:
        self.cycle_seconds.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

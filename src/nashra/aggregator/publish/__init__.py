"""Outputs built from the store, each story once: feed.atom, topics/<topic>.atom, index.html (the daily
digest lives in ../digest). Every output is written atomically."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from nashra.classifier.examples import TOPIC_LABELS_AR, TOPICS

from ..config import Config
from ..store import Store
from .atom import AtomCategory, AtomEntry, AtomFeed, build_atom, entry_id
from .output import OutputError, atomic_write, remove_stale_temporaries
from .page import build_index
from .stories import StoryView, also_reported_html, load_stories

__all__ = ["OutputError", "PublishReport", "publish_all", "story_entry"]
log = logging.getLogger("nashra.publish")


@dataclass(frozen=True)
class PublishReport:
    files: tuple[Path, ...]
    entries: int


def story_entry(view: StoryView) -> AtomEntry:
    rep = view.representative
    related = tuple(dict.fromkeys(i.link for i in view.others if i.link and i.link != rep.link))
    return AtomEntry(
        id=entry_id(view.founder.feed_url, view.founder.identity),
        title=rep.title, link=rep.link, published=view.founder.published,
        updated=max(i.updated for i in view.items), summary_html=rep.summary_html + also_reported_html(view),
        author=rep.author or rep.feed_name, source_name=rep.feed_name, source_url=rep.feed_url,
        source_site=rep.feed_site_link, related=related,
        categories=tuple(AtomCategory(term=t, label=TOPIC_LABELS_AR[t]) for t in view.topics))


def publish_all(config: Config, store: Store, now: datetime | None = None) -> PublishReport:
    """Rebuild every output from the store."""
    now = now or datetime.now(timezone.utc)
    with store.engine.connect() as conn:
        # enough stories that every topic feed can be full too
        views = load_stories(conn, config.max_entries * (len(TOPICS) + 1), config.stories.representative)
    out, site = config.output_dir, config.site_url
    remove_stale_temporaries(out)
    written = []

    def write_feed(path: str, title: str, subtitle: str, chosen: list[StoryView]) -> None:
        feed = AtomFeed(id=site + path, title=title, subtitle=subtitle, self_url=site + path, site_url=site)
        atomic_write(out / path, build_atom(feed, [story_entry(v) for v in chosen[:config.max_entries]], now=now))
        written.append(out / path)

    write_feed("feed.atom", config.title, "أخبار عربية من مصادر متعددة", views)
    for topic in TOPICS:
        label = TOPIC_LABELS_AR[topic]
        write_feed(f"topics/{topic}.atom", f"{config.title} — {label}", f"قصص {label}",
                   [v for v in views if topic in v.topics])
    atomic_write(out / "index.html", build_index(config, views[:config.max_entries], now))
    written.append(out / "index.html")
    log.info("published %d stories to %s (feed.atom, %d topic feeds, index.html)",
             min(len(views), config.max_entries), out, len(TOPICS))
    return PublishReport(files=tuple(written), entries=min(len(views), config.max_entries))

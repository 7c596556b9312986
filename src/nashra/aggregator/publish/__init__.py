"""Outputs built from the store, each story once: public/feed.atom now; topic feeds, the web page and the
digest join here. Every output is written atomically."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..config import Config
from ..store import Store
from .atom import AtomEntry, AtomFeed, build_atom, entry_id
from .output import OutputError, atomic_write
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
        source_site=rep.feed_site_link, related=related)


def publish_all(config: Config, store: Store, now: datetime | None = None) -> PublishReport:
    """Rebuild every output from the store."""
    now = now or datetime.now(timezone.utc)
    with store.engine.connect() as conn:
        views = load_stories(conn, config.max_entries, config.stories.representative)
    feed = AtomFeed(id=config.site_url + "feed.atom", title=config.title,
                    subtitle="أخبار عربية من مصادر متعددة", self_url=config.site_url + "feed.atom",
                    site_url=config.site_url)
    path = config.output_dir / "feed.atom"
    atomic_write(path, build_atom(feed, [story_entry(v) for v in views], now=now))
    log.info("published %s with %d stories", path, len(views))
    return PublishReport(files=(path,), entries=len(views))

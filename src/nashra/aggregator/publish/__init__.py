"""Outputs built from the store: public/feed.atom now; topic feeds, the web page and the digest join here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..config import Config
from ..store import Store, items
from .atom import AtomFeed, build_atom
from .output import OutputError, atomic_write

__all__ = ["OutputError", "PublishReport", "publish_all"]
log = logging.getLogger("nashra.publish")


@dataclass(frozen=True)
class PublishReport:
    files: tuple[Path, ...]
    entries: int


def publish_all(config: Config, store: Store, now: datetime | None = None) -> PublishReport:
    """Rebuild every output from the store."""
    now = now or datetime.now(timezone.utc)
    with store.engine.connect() as conn:
        latest = items.latest(conn, config.max_entries)
    out = config.output_dir
    feed = AtomFeed(id=config.site_url + "feed.atom", title=config.title,
                    subtitle="أخبار عربية من مصادر متعددة", self_url=config.site_url + "feed.atom",
                    site_url=config.site_url)
    path = out / "feed.atom"
    atomic_write(path, build_atom(feed, latest, now=now))
    log.info("published %s with %d entries", path, len(latest))
    return PublishReport(files=(path,), entries=len(latest))

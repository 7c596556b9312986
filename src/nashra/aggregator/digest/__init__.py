"""The daily digest: public/digest/<date>.html, .txt and .eml for a day in the configured zone, and sending.

Re-running rewrites the same three files; sending is recorded per day and recipient (send.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import css_inline

from ..config import Config
from ..publish.output import atomic_write
from ..publish.render import render
from ..publish.stories import load_stories
from ..store import Store
from .message import build_message
from .select import Digest, day_bounds, select_digest

__all__ = ["DigestFiles", "build_digest", "previous_day"]
log = logging.getLogger("nashra.digest")
MAX_STORIES_SCANNED = 5000
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False, minify_css=True)


@dataclass(frozen=True)
class DigestFiles:
    digest: Digest
    html: Path
    text: Path
    eml: Path
    message: EmailMessage


def previous_day(now: datetime, config: Config) -> date:
    """The daily job covers the previous calendar day in the configured zone."""
    return now.astimezone(config.timezone).date() - timedelta(days=1)


def render_digest(config: Config, digest: Digest) -> tuple[str, str, str]:
    """(subject, text, html with inlined CSS)."""
    day_label = digest.day.isoformat()
    subject = f"{config.title} — نشرة يوم {day_label}"
    preheader = " · ".join(digest.top_titles) or "لا أخبار في هذا اليوم"
    context = dict(title=config.title, day_label=day_label, digest=digest, site_url=config.site_url,
                   preheader=preheader)
    html = _INLINER.inline(render("digest.html", config.timezone, **context))
    text = render("digest.txt", config.timezone, **context)
    return subject, text, html


def build_digest(config: Config, store: Store, day: date, now: datetime | None = None) -> DigestFiles:
    now = now or datetime.now(timezone.utc)
    start, end = day_bounds(day, config.timezone)
    with store.engine.connect() as conn:
        views = load_stories(conn, MAX_STORIES_SCANNED, config.stories.representative, since=start, until=end)
    digest = select_digest(views, day, config.timezone, config.digest.max_per_section)
    subject, text, html = render_digest(config, digest)
    message = build_message(subject=subject, sender=config.digest.sender, recipients=config.digest.recipients,
                            text=text, html=html, site_url=config.site_url, when=now, day=day.isoformat())
    folder = config.output_dir / "digest"
    paths = {ext: folder / f"{day.isoformat()}.{ext}" for ext in ("html", "txt", "eml")}
    atomic_write(paths["html"], html.encode("utf-8"))
    atomic_write(paths["txt"], text.encode("utf-8"))
    atomic_write(paths["eml"], message.as_bytes())
    log.info("digest for %s: %d stories, %d items, %d bytes of HTML, written to %s", day, digest.stories,
             digest.items, len(html.encode("utf-8")), folder)
    return DigestFiles(digest=digest, html=paths["html"], text=paths["txt"], eml=paths["eml"], message=message)

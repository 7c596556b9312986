"""One parsed entry to one clean item: sanitise, derive text, canonical link, title, date, identity."""

from __future__ import annotations

from datetime import datetime, timedelta

from .clean import canonical_url, clean_title, html_to_text, sanitize_html, title_from_text
from .identify import content_hash, item_identity
from .models import CleanItem, ParsedEntry, ParsedFeed

FUTURE_SLACK = timedelta(minutes=10)  # clock skew we tolerate before a date counts as "in the future"


def clean_entry(entry: ParsedEntry, fetched_at: datetime, base_url: str | None = None) -> CleanItem | None:
    """A storable item, or None for an entry with neither title nor text nor link."""
    body = entry.content_html if len(entry.content_html) > len(entry.summary_html) else entry.summary_html
    summary_html = sanitize_html(entry.summary_html or entry.content_html, base_url)
    text = html_to_text(body)
    title = clean_title(entry.title) or title_from_text(text)
    link = canonical_url(entry.link, base_url)
    if not link and entry.guid and entry.guid.startswith(("http://", "https://")):
        link = canonical_url(entry.guid)  # Atom entries often carry the page URL only as their id
    if not title and not link:
        return None
    if not title:
        title = link or ""
    published = entry.published or fetched_at
    if published > fetched_at + FUTURE_SLACK:
        published = fetched_at  # a date in the future would pin the item to the top for days
    return CleanItem(
        identity=item_identity(entry.guid, link, title, text),
        guid=entry.guid,
        link=link,
        title=title,
        summary_html=summary_html,
        text=text,
        author=clean_title(entry.author)[:200],
        categories=tuple(clean_title(c)[:100] for c in entry.categories[:20]),
        published=published,
        content_hash=content_hash(title, text),
    )


def clean_feed(parsed: ParsedFeed, fetched_at: datetime, base_url: str | None = None) -> list[CleanItem]:
    result = []
    for entry in parsed.entries:
        item = clean_entry(entry, fetched_at, base_url)
        if item is not None:
            result.append(item)
    return result

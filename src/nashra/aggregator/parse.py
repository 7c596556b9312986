"""Feed bytes to ParsedFeed: our decoding, then feedparser on UTF-8 bytes, then our dates.

feedparser never fetches here and never sees a path (given a str it may read a local file). Its HTML
sanitiser is off: clean.py sanitises with a stricter, faster allow-list. A malformed document yields what
could be read, with the problem recorded for `nashra status`.
"""

from __future__ import annotations

import calendar
import io
from datetime import datetime, timezone, tzinfo

import feedparser

from . import dates
from .decode import DecodeError, decode_document
from .models import ParsedEntry, ParsedFeed

MAX_ENTRIES = 500  # newest first in practically every feed; more is a broken or hostile feed
_SURVIVABLE = ("CharacterEncodingOverride", "NonXMLContentType")


class ParseError(Exception):
    """The document gave no feed at all."""


def _when(entry: dict, key: str) -> datetime | None:
    value = dict.get(entry, f"{key}_parsed")  # not .get(): feedparser maps updated->published with a warning
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None


def _html_of(detail: dict | None, value: str) -> str:
    """feedparser gives text/plain constructs unescaped: make every value HTML for the cleaner."""
    if detail and detail.get("type") == "text/plain":
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _entry(raw: dict) -> ParsedEntry:
    content = raw.get("content") or []
    content_html = _html_of(content[0], content[0].get("value", "")) if content else ""
    summary_html = _html_of(raw.get("summary_detail"), raw.get("summary", ""))
    link = raw.get("link")
    if not link:
        for candidate in raw.get("links", ()):
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    guid = raw.get("id") or None
    categories = tuple(t.get("term", "").strip() for t in raw.get("tags", ()) if t.get("term", "").strip())
    return ParsedEntry(
        guid=guid.strip() if isinstance(guid, str) else None,
        link=link.strip() if isinstance(link, str) else None,
        # Titles are always read as HTML (and later stripped to text): RSS titles often carry escaped markup,
        # and text that looks like a tag is safer dropped than shown to a reader that renders it.
        title=raw.get("title", "") or "",
        summary_html=summary_html,
        content_html=content_html,
        author=raw.get("author", "") or "",
        categories=categories,
        published=_when(raw, "published") or _when(raw, "updated"),
        updated=_when(raw, "updated"),
    )


def parse_feed(body: bytes, headers: dict[str, str] | None = None, *, url: str = "",
               encoding: str | None = None, zone: tzinfo | None = None) -> ParsedFeed:
    """Parse a feed document. Raises ParseError when nothing in it is a feed."""
    headers = headers or {}
    try:
        decoded = decode_document(body, headers.get("content-type"), encoding)
    except DecodeError as exc:
        raise ParseError(str(exc)) from None
    response_headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        response_headers["content-location"] = headers.get("content-location") or url
    dates.register()
    dates.set_local_zone(zone)
    try:
        result = feedparser.parse(
            io.BytesIO(decoded.text.encode("utf-8")),
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,  # the sanitiser makes links absolute (feedparser re-parses the HTML)
        )
    finally:
        dates.set_local_zone(None)
    problem = decoded.note
    exc = result.get("bozo_exception")
    if result.get("bozo") and exc is not None and type(exc).__name__ not in _SURVIVABLE:
        problem = f"malformed XML: {exc}"
    if not result.get("version") and not result.entries:
        head = decoded.text[:512].lower()
        what = "an HTML page" if "<html" in head or "<!doctype html" in head else "not a feed"
        raise ParseError(f"not an RSS or Atom feed ({what}){': ' + str(exc) if exc else ''}")
    meta = result.get("feed", {})
    ttl = meta.get("ttl")
    return ParsedFeed(
        title=(meta.get("title") or "").strip(),
        link=meta.get("link"),
        entries=tuple(_entry(e) for e in result.entries[:MAX_ENTRIES]),
        encoding=decoded.encoding,
        ttl_minutes=int(ttl) if isinstance(ttl, str) and ttl.strip().isdigit() else None,
        problem=problem,
    )

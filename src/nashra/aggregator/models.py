"""Plain data passed between the stages. Small frozen dataclasses, no behaviour beyond a property or two."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FeedState:
    """One row of the feeds table: the feed as the queue sees it."""

    id: int
    name: str
    url: str  # current URL (after permanent redirects)
    config_url: str  # the URL as written in the config: the feed's key
    section: str | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error_count: int = 0
    last_error: str | None = None
    last_success_at: datetime | None = None
    last_checked_at: datetime | None = None
    next_check_at: datetime | None = None
    gone_reason: str | None = None
    title: str | None = None
    site_link: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """What the HTTP stage got back. `body` is None for 304 and for failures."""

    url: str  # final URL after redirects
    status: int
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    permanent_url: str | None = None  # set when every redirect hop was permanent (301/308)
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class ParsedEntry:
    """An entry as the feed gave it, decoded but not yet cleaned. Title and summaries are HTML."""

    guid: str | None
    link: str | None
    title: str
    summary_html: str
    content_html: str
    author: str
    categories: tuple[str, ...]
    published: datetime | None  # aware UTC, or None when the feed gave no usable date
    updated: datetime | None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str | None
    entries: tuple[ParsedEntry, ...]
    encoding: str
    ttl_minutes: int | None = None
    problem: str | None = None  # what was wrong with the document, if anything (it may still have entries)


@dataclass(frozen=True)
class CleanItem:
    """An entry ready to store: sanitised HTML, plain text, canonical link, identity."""

    identity: str  # stable per feed: see identify.py
    guid: str | None
    link: str | None  # canonical, http(s) only, or None
    title: str
    summary_html: str  # sanitised
    text: str  # plain text of the summary/content
    author: str
    categories: tuple[str, ...]
    published: datetime  # aware UTC; the fetch time when the feed gave none
    content_hash: str  # hash of the matching form of title + text: same words, same hash


@dataclass(frozen=True)
class StoredItem:
    """An item read back from the store for publishing."""

    id: int
    feed_id: int
    feed_name: str
    feed_url: str
    feed_site_link: str | None
    title: str
    link: str | None
    summary_html: str
    text: str
    author: str
    categories: tuple[str, ...]
    published: datetime
    updated: datetime
    identity: str


@dataclass(frozen=True)
class PollOutcome:
    """The result of polling one feed, for logs, status and the cycle summary."""

    feed_id: int
    feed_name: str
    url: str
    status: str  # "new", "unchanged", "error", "gone"
    new_items: int = 0
    updated_items: int = 0
    error: str | None = None
    entries: int = 0  # items the feed carried (those neither new nor updated were already stored)
    fetch_seconds: float = 0.0  # fetch and parse

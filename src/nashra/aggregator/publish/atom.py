"""Atom 1.0 (RFC 4287) documents built with lxml, so they are well-formed whatever the input.

Titles go out as text, summaries as (already sanitised) HTML; each entry names its outlet in atom:source.
Control characters that XML forbids are stripped here, at the last step.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from lxml import etree

from nashra import __version__


ATOM = "http://www.w3.org/2005/Atom"
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS_ITEM = uuid.UUID("5b0e7c52-8a4b-4d1e-9f57-1c2f4a7d9e60")


@dataclass(frozen=True)
class AtomCategory:
    term: str
    label: str


@dataclass(frozen=True)
class AtomFeed:
    id: str
    title: str
    self_url: str
    site_url: str
    subtitle: str | None = None


def entry_id(feed_url: str, identity: str) -> str:
    """A stable, globally unique id for an item: the same item keeps it across rebuilds."""
    return f"urn:uuid:{uuid.uuid5(_NS_ITEM, feed_url + ' ' + identity)}"


def _text(value: str | None) -> str:
    return _XML_BAD.sub("", value or "")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _when(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class AtomEntry:
    id: str
    title: str
    link: str | None
    published: datetime
    updated: datetime
    summary_html: str
    author: str
    source_name: str
    source_url: str
    source_site: str | None = None
    categories: tuple[AtomCategory, ...] = ()
    related: tuple[str, ...] = ()  # links to the same story at other outlets


def build_atom(feed: AtomFeed, entries: Iterable[AtomEntry], *, now: datetime) -> bytes:
    """The Atom document for `entries` (already ordered newest first and bounded)."""
    entries = list(entries)
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "ar")
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title, type="text")
    if feed.subtitle:
        _sub(root, "subtitle", feed.subtitle, type="text")
    _sub(root, "updated", _when(max((e.updated for e in entries), default=now)))
    _sub(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=feed.site_url)
    _sub(root, "generator", "Nashra", version=__version__)
    author = _sub(root, "author")
    _sub(author, "name", "Nashra")
    for item in entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", item.id)
        _sub(entry, "title", item.title, type="text")
        _sub(entry, "updated", _when(max(item.updated, item.published)))
        _sub(entry, "published", _when(item.published))
        if item.link:
            _sub(entry, "link", rel="alternate", type="text/html", href=item.link)
        for href in item.related:
            _sub(entry, "link", rel="related", type="text/html", href=href)
        _sub(_sub(entry, "author"), "name", item.author)
        for category in item.categories:
            _sub(entry, "category", term=category.term, label=category.label)
        if item.summary_html:
            _sub(entry, "summary", item.summary_html, type="html")
        source = _sub(entry, "source")
        _sub(source, "id", item.source_url)
        _sub(source, "title", item.source_name, type="text")
        _sub(source, "link", rel="self", href=item.source_url)
        if item.source_site:
            _sub(source, "link", rel="alternate", type="text/html", href=item.source_site)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)

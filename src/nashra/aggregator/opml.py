"""OPML: how people move subscriptions between readers. Import appends to feeds.yaml, keeping its comments."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from ruamel.yaml import YAML

from .config import TOPIC_IDS, FeedConfig, check_http_url
from .publish.output import atomic_write

# A parser that cannot be made to read files, fetch DTDs or expand entities.
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                          remove_comments=True)
_SECTION_WORDS = {
    "arab_world": ("عربي", "العالم العربي", "الشرق الأوسط", "أخبار عربية", "محليات", "arab", "middle east"),
    "international": ("دولي", "عالمي", "العالم", "أخبار العالم", "world", "international"),
    "security": ("أمن", "عسكري", "حوادث", "إرهاب", "نزاعات", "security", "military"),
}


class OpmlError(Exception):
    pass


@dataclass(frozen=True)
class ImportReport:
    added: tuple[FeedConfig, ...]
    skipped: tuple[str, ...]  # why each outline was not added


def _section_of(folder: str) -> str | None:
    folder = folder.strip().lower()
    for topic, words in _SECTION_WORDS.items():
        if folder and any(folder == w.lower() for w in words):
            return topic
    return None


def read_opml(data: bytes, source: str = "OPML") -> list[FeedConfig]:
    """Feeds from an OPML document; a folder named like a topic section becomes the feed's section."""
    if b"<!entity" in data[:65536].lower():  # OPML never needs entities; libxml2 expands them in attributes
        raise OpmlError(f"{source}: refused: the document declares XML entities")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"{source}: not valid XML: {exc}") from None
    if root.tag != "opml":
        raise OpmlError(f"{source}: not an OPML document (root element <{root.tag}>)")
    found = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url:
            continue
        parent = outline.getparent()
        in_folder = parent is not None and parent.tag == "outline"
        folder = (parent.get("text") or parent.get("title") or "") if in_folder else ""
        name = (outline.get("title") or outline.get("text") or urlsplit(url).hostname or url).strip()
        found.append(FeedConfig(name=name, url=url, section=_section_of(folder)))
    return found


def write_opml(feeds: list[FeedConfig], title: str) -> bytes:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    folders: dict[str | None, etree._Element] = {}
    for feed in feeds:
        parent = body
        if feed.section in TOPIC_IDS:
            if feed.section not in folders:
                folders[feed.section] = etree.SubElement(body, "outline", text=feed.section)
            parent = folders[feed.section]
        etree.SubElement(parent, "outline", type="rss", text=feed.name, title=feed.name, xmlUrl=feed.url)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def import_into_config(config_path: Path, candidates: list[FeedConfig],
                       existing: tuple[FeedConfig, ...]) -> ImportReport:
    """Append new feeds to the config file (round-trip YAML: comments and order are kept)."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(config_path.read_text(encoding="utf-8")) if config_path.exists() else None
    if data is None:
        data = {}
    if "feeds" not in data or data["feeds"] is None:
        data["feeds"] = []
    urls = {f.url.rstrip("/").lower() for f in existing}
    names = {f.name for f in existing}
    added, skipped = [], []
    for feed in candidates:
        try:
            check_http_url(feed.url)
        except ValueError as exc:
            skipped.append(f"{feed.name}: {exc}")
            continue
        if feed.url.rstrip("/").lower() in urls:
            skipped.append(f"{feed.name}: already subscribed ({feed.url})")
            continue
        name = feed.name
        n = 2
        while name in names:
            name, n = f"{feed.name} ({n})", n + 1
        entry = {"name": name, "url": feed.url}
        if feed.section:
            entry["section"] = feed.section
        data["feeds"].append(entry)
        urls.add(feed.url.rstrip("/").lower())
        names.add(name)
        added.append(FeedConfig(name=name, url=feed.url, section=feed.section))
    if added:
        buffer = io.StringIO()
        yaml.dump(data, buffer)
        atomic_write(config_path, buffer.getvalue().encode("utf-8"))
    return ImportReport(added=tuple(added), skipped=tuple(skipped))

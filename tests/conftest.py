"""Shared fixtures: a loopback feed server, configs on real files, sample feed documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedserver import FeedServer
from nashra.aggregator.config import Config, parse_config

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"
SEED_FEEDS = REPO / "seeds" / "feeds"
SHARED_CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def server():
    srv = FeedServer()
    yield srv
    srv.close()


def rss(items: list[dict], title: str = "صحيفة الاختبار", extra: str = "", encoding: str = "utf-8") -> str:
    """A small RSS 2.0 document: items are dicts of title, link, guid, date, description."""
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>',
             f"<rss version=\"2.0\"><channel><title>{title}</title><link>https://news.example/</link>{extra}"]
    for item in items:
        parts.append("<item>")
        for key, tag in (("title", "title"), ("link", "link"), ("guid", "guid"), ("date", "pubDate")):
            if item.get(key) is not None:
                parts.append(f"<{tag}>{item[key]}</{tag}>")
        if item.get("description") is not None:
            parts.append(f"<description><![CDATA[{item['description']}]]></description>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


def sample_items(n: int, prefix: str = "خبر", start_day: int = 20) -> list[dict]:
    return [{"title": f"{prefix} رقم {i}: الحكومة تناقش الموازنة العامة في جلسة {i}",
             "link": f"https://news.example/{prefix}/{i}?utm_source=rss",
             "guid": f"{prefix}-{i}",
             "date": f"Fri, {start_day + i % 5:02d} Nov 2026 {8 + i % 10:02d}:00:00 +0300",
             "description": f"<p>تفاصيل الخبر {i} عن <b>الموازنة</b> والبرلمان.</p>"} for i in range(n)]


def make_config(tmp_path: Path, feeds: list[dict], **top) -> Config:
    """A Config as if read from tmp_path/feeds.yaml: real SQLite file, loopback allowed."""
    data = {"database": "sqlite:///var/nashra.db", "output_dir": "public",
            "fetch": {"allow_private_networks": ["127.0.0.0/8"], "total_timeout": 5, "read_timeout": 3,
                      **top.pop("fetch", {})},
            "feeds": feeds, **top}
    return parse_config(data, tmp_path / "feeds.yaml")


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path

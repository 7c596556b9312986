"""End to end: `nashra run --once` against loopback feeds, a real SQLite file (and PostgreSQL database) and
real outputs."""

from __future__ import annotations

from datetime import datetime, timezone

import feedparser
from lxml import etree

from conftest import feeds_config, rss, sample_items
from nashra.aggregator.cli import main

ATOM = "{http://www.w3.org/2005/Atom}"


def config_for(tmp_path, server_feeds: list[tuple[str, str]], extra: str = "",
               database: str = "sqlite:///var/nashra.db") -> str:
    return str(feeds_config(tmp_path, server_feeds, "output_dir: public", "site_url: https://nashra.example/", extra,
                            database=database, fetch=("total_timeout: 3", "read_timeout: 2"),
                            schedule=("once_join_seconds: 0",)))


def atom_entries(tmp_path):
    root = etree.parse(str(tmp_path / "public" / "feed.atom")).getroot()
    return root, root.findall(f"{ATOM}entry")


def test_one_cycle_stores_and_publishes_valid_atom(tmp_path, server, capsys, database):
    good = server.route("/good", rss(sample_items(5, "أ")), etag='"1"')
    other = server.route("/other", rss(sample_items(3, "ب", first=10)), last_modified="Fri, 27 Nov 2026 10:00:00 GMT")
    broken = server.route("/broken", "<html><body>not a feed</body></html>", content_type="text/html")
    gone = server.route("/gone", status=410)
    slow = server.route("/slow", hang=True)
    cfg = config_for(tmp_path, [("الأولى", good), ("الثانية", other), ("معطوبة", broken), ("محذوفة", gone),
                                ("بطيئة", slow)], database=database)
    started = datetime.now(timezone.utc)
    assert main(["--config", cfg, "run", "--once"]) == 0
    assert (datetime.now(timezone.utc) - started).total_seconds() < 10  # the hanging feed did not block
    assert "5 feeds polled: 8 new items" in capsys.readouterr().out

    root, entries = atom_entries(tmp_path)
    assert len(entries) == 8
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://nashra.example/feed.atom"
    published = [e.findtext(f"{ATOM}published") for e in entries]
    assert published == sorted(published, reverse=True)  # newest first
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("urn:uuid:")
        assert "utm_source" not in entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert entry.find(f"{ATOM}source/{ATOM}title").text in ("الأولى", "الثانية")
    parsed = feedparser.parse((tmp_path / "public" / "feed.atom").read_bytes())
    assert not parsed.bozo and parsed.version == "atom10" and len(parsed.entries) == 8

    # an unchanged second cycle: conditional GETs, nothing new, nothing stored twice
    assert main(["--config", cfg, "run", "--once"]) == 0
    assert "0 new items" in capsys.readouterr().out
    assert server.hits["/good"][1]["if-none-match"] == '"1"'
    assert server.hits["/other"][1]["if-modified-since"] == "Fri, 27 Nov 2026 10:00:00 GMT"
    assert len(atom_entries(tmp_path)[1]) == 8

    assert main(["--config", cfg, "status"]) == 0
    out = capsys.readouterr().out
    assert "gone" in out and "410" in out and "not an RSS or Atom feed" in out and "timed out" in out
    assert server.count("/gone") == 1  # 410: not polled again


def test_updated_item_updates_its_row_and_permanent_redirect_moves_the_feed(tmp_path, server, capsys):
    items = sample_items(2)
    server.route("/new-home", rss(items))
    old = server.route("/feed", status=301, location="/new-home")
    cfg = config_for(tmp_path, [("المصدر", old)])
    assert main(["--config", cfg, "run", "--once"]) == 0
    items[0]["title"] = "عنوان معدل بعد النشر"
    server.route("/new-home", rss(items))
    assert main(["--config", cfg, "run", "--once"]) == 0
    assert "0 new items, 1 updated" in capsys.readouterr().out
    assert server.count("/feed") == 1 and server.count("/new-home") == 2  # the stored URL moved
    titles = [e.findtext(f"{ATOM}title") for e in atom_entries(tmp_path)[1]]
    assert len(titles) == 2 and "عنوان معدل بعد النشر" in titles
    assert main(["--config", cfg, "status", "--json"]) == 0
    assert '"url": "' + server.url("/new-home") in capsys.readouterr().out


def test_hostile_content_never_reaches_the_atom_feed(tmp_path, server):
    items = [{"title": "<script>alert(1)</script>عنوان <b onmouseover=x>خطير</b>", "guid": "1",
              "link": "javascript:alert(1)",
              "description": '<p onclick="x()">نص</p><iframe src="https://evil.example"></iframe>'
                             '<a href="javascript:alert(2)">رابط</a><form action="https://evil.example"><input></form>'}]
    url = server.route("/evil", rss(items, title="<img src=x onerror=alert(1)>مصدر"))
    cfg = config_for(tmp_path, [("<script>bad()</script>", url)])
    assert main(["--config", cfg, "run", "--once"]) == 0
    xml = (tmp_path / "public" / "feed.atom").read_text(encoding="utf-8")
    parsed = feedparser.parse(xml.encode(), sanitize_html=False)
    entry = parsed.entries[0]
    assert "<script" not in entry.title and "alert(1)" not in entry.title and "خطير" in entry.title
    for bad in ("<script", "<iframe", "<form", "javascript:", "onclick", "onerror"):
        assert bad not in entry.summary
    assert not any(link.get("href", "").startswith("javascript") for link in entry.get("links", []))


def test_publish_rebuilds_from_the_store(tmp_path, server, capsys, database):
    url = server.route("/a", rss(sample_items(3)))
    cfg = config_for(tmp_path, [("أ", url)], extra="max_entries: 2", database=database)
    assert main(["--config", cfg, "run", "--once"]) == 0
    (tmp_path / "public" / "feed.atom").unlink()
    assert main(["--config", cfg, "publish"]) == 0
    assert "published 2 entries" in capsys.readouterr().out
    assert len(atom_entries(tmp_path)[1]) == 2

"""Subscriptions in and out: OPML import keeps feeds.yaml's comments, export round-trips, `feeds check`."""

from __future__ import annotations

from conftest import rss, sample_items, write_config
from nashra.aggregator.cli import main
from nashra.aggregator.config import load_config
import pytest

from nashra.aggregator.opml import OpmlError, read_opml

CONFIG = """\
# my feeds
database: sqlite:///var/nashra.db
fetch:
  allow_private_networks: [127.0.0.0/8]
feeds:
  # the first one
  - name: أ
    url: https://a.example/rss
"""

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>اشتراكاتي</title></head><body>
  <outline text="عربي">
    <outline type="rss" text="ب" title="صحيفة ب" xmlUrl="https://b.example/feed"/>
    <outline type="rss" text="أ مكرر" xmlUrl="https://a.example/rss"/>
  </outline>
  <outline text="دولي"><outline type="rss" text="ج" xmlUrl="https://c.example/atom"/></outline>
  <outline type="rss" text="سيئ" xmlUrl="ftp://d.example/feed"/>
  <outline text="folder without feeds"/>
</body></opml>"""


def test_import_appends_keeps_comments_and_skips_duplicates(tmp_path, capsys):
    cfg = write_config(tmp_path, CONFIG)
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML, encoding="utf-8")
    assert main(["--config", str(cfg), "feeds", "import-opml", str(opml)]) == 0
    out = capsys.readouterr().out
    assert "2 feeds added" in out and "already subscribed" in out and "not an http(s) URL" in out
    text = cfg.read_text(encoding="utf-8")
    assert "# my feeds" in text and "# the first one" in text
    config = load_config(cfg)
    assert [(f.name, f.section) for f in config.feeds] == [("أ", None), ("صحيفة ب", "arab_world"),
                                                           ("ج", "international")]
    assert main(["--config", str(cfg), "feeds", "import-opml", str(opml)]) == 0  # idempotent
    assert "0 feeds added" in capsys.readouterr().out


def test_export_round_trips(tmp_path, capsys):
    cfg = write_config(tmp_path, CONFIG + "    section: security\n  - name: ب\n    url: https://b.example/feed\n")
    out = tmp_path / "out.opml"
    assert main(["--config", str(cfg), "feeds", "export-opml", "-o", str(out)]) == 0
    feeds = read_opml(out.read_bytes())
    assert [(f.name, f.url, f.section) for f in feeds] == [("أ", "https://a.example/rss", "security"),
                                                           ("ب", "https://b.example/feed", None)]


def test_opml_entities_are_not_expanded(tmp_path):
    evil = ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            '<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://x.example/f"/></body></opml>')
    with pytest.raises(OpmlError, match="declares XML entities"):
        read_opml(evil.encode())
    bomb = ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            '<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/f"/></body></opml>')
    with pytest.raises(OpmlError, match="declares XML entities"):
        read_opml(bomb.encode())


def test_feeds_list_and_check(tmp_path, server, capsys):
    good = server.route("/good", rss(sample_items(2)))
    cfg = write_config(tmp_path, CONFIG.replace("https://a.example/rss", good)
                       + f"  - name: مفقود\n    url: {server.url('/missing')}\n")
    assert main(["--config", str(cfg), "feeds", "list"]) == 0
    assert good in capsys.readouterr().out
    assert main(["--config", str(cfg), "feeds", "check"]) == 1
    out = capsys.readouterr().out
    assert "ok    أ" in out and "2 items" in out and "FAIL  مفقود" in out and "HTTP 404" in out
    assert main(["--config", str(cfg), "feeds", "check", "أ"]) == 0

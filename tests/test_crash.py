"""kill -9 at random points of a cycle, again and again: nothing lost, nothing stored or published twice,
every output parseable at every moment."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time

import json

import feedparser

from conftest import REPO, rss, write_config

FEEDS, PER_FEED, KILLS = 24, 12, 20


def seed_stories() -> list[dict]:
    rows = []
    for path in sorted((REPO / "seeds" / "topics").glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def feed_items(f: int, stories: list[dict]) -> list[dict]:
    return [{"title": row["title"], "guid": f"f{f}-{i}", "link": f"https://outlet{f}.example/{i}",
             "date": f"Sat, 28 Nov 2026 {i:02d}:{f:02d}:00 +0300", "description": f"<p>{row['summary']}</p>"}
            for i, row in enumerate(stories[f * PER_FEED:(f + 1) * PER_FEED])]


def check_outputs(public) -> int:
    """Every output present is complete and parseable; returns the number of entries in feed.atom."""
    feed = public / "feed.atom"
    if not feed.exists():
        return 0
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    ids = [e.id for e in parsed.entries]
    assert len(ids) == len(set(ids)), "an entry published twice"
    return len(ids)


def db_counts(path) -> tuple[int, int]:
    """(items, stories); checks that no item is stored twice and every item is in a story."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return 0, 0  # killed while its first migration ran: that transaction is gone, nothing was stored
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        distinct = conn.execute("SELECT COUNT(*) FROM (SELECT DISTINCT feed_id, identity FROM items)").fetchone()[0]
        loose = conn.execute("SELECT COUNT(*) FROM items WHERE story_id IS NULL").fetchone()[0]
        stories = conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    finally:
        conn.close()
    assert items == distinct, "an item stored twice"
    assert loose == 0, "an item stored without its story"
    return items, stories


def test_kill_9_during_cycles(tmp_path, server):
    rng = random.Random(20261129)
    stories = seed_stories()
    urls = [server.route(f"/f{f}", rss(feed_items(f, stories), title=f"مصدر {f}"), delay=0.15)
            for f in range(FEEDS)]
    lines = ["database: sqlite:///var/nashra.db", "max_entries: 1000", "fetch:",
             "  allow_private_networks: [127.0.0.0/8]", "  workers: 2", "feeds:"]
    for f, url in enumerate(urls):
        lines += [f"  - name: مصدر {f}", f"    url: {url}"]
    cfg = write_config(tmp_path, "\n".join(lines) + "\n")
    db = tmp_path / "var" / "nashra.db"
    cmd = [sys.executable, "-m", "nashra.aggregator.cli", "-q", "--config", str(cfg), "run", "--once"]
    stored_before = 0
    killed = 0
    for _ in range(KILLS):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.3, 2.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
        check_outputs(tmp_path / "public")
        if db.exists():
            stored, _ = db_counts(db)
            assert stored >= stored_before, "stored items were lost"
            stored_before = stored
    assert killed >= KILLS // 2, "the kills did not land during cycles; make the cycle slower"
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    stored, stories_stored = db_counts(db)
    assert stored == FEEDS * PER_FEED
    assert check_outputs(tmp_path / "public") == stories_stored  # every story once
    leftovers = [p.name for p in (tmp_path / "public").rglob("*.tmp")]
    assert not leftovers, f"temporary files left behind: {leftovers}"

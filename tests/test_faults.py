"""Faults around the daemon: an output folder that is read-only or full, a database locked by another
process. Each gives a clear error; nothing stored is lost; polling goes on where it can."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from conftest import rss, sample_items, write_config
from nashra.aggregator.cli import main


def config(tmp_path, url, extra: str = "") -> str:
    return str(write_config(tmp_path, "\n".join([
        "database: sqlite:///var/nashra.db", extra, "fetch:", "  allow_private_networks: [127.0.0.1/32]",
        "feeds:", "  - name: أ", f"    url: {url}"]) + "\n"))


@pytest.fixture
def small_mount(tmp_path):
    """A 64 KiB tmpfs (needs root; skipped otherwise): real ENOSPC and, remounted, real EROFS."""
    target = tmp_path / "public"
    target.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
    yield target
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


def count_items(tmp_path) -> int:
    conn = sqlite3.connect(tmp_path / "var" / "nashra.db")
    try:
        return conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    finally:
        conn.close()


def test_full_output_folder(tmp_path, server, small_mount, capsys):
    items = sample_items(20)
    for item in items:
        item["description"] += "<p>" + "تفاصيل إضافية مطولة " * 300 + "</p>"  # feed.atom > 64 KiB
    cfg = config(tmp_path, server.route("/feed", rss(items)))
    assert main(["--config", cfg, "run", "--once"]) == 1
    err = capsys.readouterr().err
    assert "outputs not written" in err and "No space left on device" in err and "feed.atom" in err
    assert count_items(tmp_path) == 20  # stored all the same
    assert not list(small_mount.glob(".*.tmp"))  # the half-written temporary file was removed


def test_read_only_output_folder(tmp_path, server, small_mount, capsys):
    cfg = config(tmp_path, server.route("/feed", rss(sample_items(3))))
    assert main(["--config", cfg, "run", "--once"]) == 0
    before = (small_mount / "feed.atom").read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_mount)], check=True)
    server.route("/feed", rss(sample_items(5)))
    assert main(["--config", cfg, "run", "--once"]) == 1
    assert "Read-only file system" in capsys.readouterr().err
    assert count_items(tmp_path) == 5 and (small_mount / "feed.atom").read_bytes() == before
    subprocess.run(["mount", "-o", "remount,rw", str(small_mount)], check=True)
    assert main(["--config", cfg, "publish"]) == 0  # once writable again, publishing catches up
    assert (small_mount / "feed.atom").read_bytes().count(b"<entry>") == 5


def hold_lock(path, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    ready.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


def test_database_locked_by_another_process(tmp_path, server, capsys):
    cfg = config(tmp_path, server.route("/feed", rss(sample_items(3))), extra="database_busy_timeout: 0.5")
    assert main(["--config", cfg, "status"]) == 0  # creates the database; nothing polled yet
    capsys.readouterr()
    ready = threading.Event()
    locker = threading.Thread(target=hold_lock, args=(tmp_path / "var" / "nashra.db", 10, ready))
    locker.start()
    ready.wait(5)
    code = subprocess.run([sys.executable, "-m", "nashra.aggregator.cli", "--config", cfg, "run", "--once"],
                          capture_output=True, text=True, timeout=60)
    assert code.returncode == 3 and "database is locked" in code.stderr and "Traceback" not in code.stderr
    # the daemon waits instead of exiting, and polls once the lock is gone
    daemon = subprocess.Popen([sys.executable, "-m", "nashra.aggregator.cli", "--config", cfg, "run",
                               "--no-listen"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        locker.join()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and count_items(tmp_path) < 3:
            time.sleep(0.3)
        assert count_items(tmp_path) == 3
    finally:
        daemon.terminate()
        _, err = daemon.communicate(timeout=15)
    assert "database is locked" in err and "Traceback" not in err


def test_polls_stored_together_fail_together_and_whole(tmp_path, server):
    """Polls that finish together share one transaction; when it fails (here: the database locked past the
    busy timeout), each poll gets its own error outcome, nothing of either is half-stored, and the next try
    stores both, clustered."""
    from datetime import datetime, timezone

    from nashra.aggregator.config import load_config
    from nashra.aggregator.daemon import Daemon
    from nashra.aggregator.store import Store, feeds
    from nashra.aggregator.update import poll_feed

    first = server.route("/one", rss(sample_items(3)))
    second = server.route("/two", rss(sample_items(2, prefix="آخر", first=3)))
    path = write_config(tmp_path, "\n".join([
        "database: sqlite:///var/nashra.db", "database_busy_timeout: 0.5", "fetch:",
        "  allow_private_networks: [127.0.0.1/32]", "feeds:", "  - name: أ", f"    url: {first}",
        "  - name: ب", f"    url: {second}"]) + "\n")
    cfg = load_config(path)
    store = Store(cfg.database, busy_timeout=0.5)
    daemon = Daemon(cfg, store)
    daemon.sync_feeds()
    with store.begin() as conn:
        due = feeds.claim_due(conn, datetime.now(timezone.utc), 300, limit=10)
    polls = [poll_feed(feed, daemon.fetcher, cfg) for feed in due]
    assert sorted(len(p.items) for p in polls) == [2, 3]
    ready = threading.Event()
    locker = threading.Thread(target=hold_lock, args=(tmp_path / "var" / "nashra.db", 2, ready))
    locker.start()
    ready.wait(5)
    outcomes = daemon.updater.record_group(polls)
    locker.join()
    assert [o.status for o in outcomes] == ["error", "error"]
    assert all("database is locked" in o.error for o in outcomes)
    assert {o.feed_name for o in outcomes} == {"أ", "ب"} and count_items(tmp_path) == 0
    outcomes = daemon.updater.record_group(polls)
    assert sorted(o.new_items for o in outcomes) == [2, 3] and count_items(tmp_path) == 5
    conn = sqlite3.connect(tmp_path / "var" / "nashra.db")
    try:  # clustered in the same transaction: every item has its story
        assert conn.execute("SELECT COUNT(*) FROM items WHERE story_id IS NULL").fetchone()[0] == 0
    finally:
        conn.close()
    daemon.close()
    store.close()

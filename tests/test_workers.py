"""Several workers on one PostgreSQL database: migrations once, each feed fetched once per cycle, leases
that outlive a killed worker, publishing and the digest by one worker, and the health and metrics endpoints.
A real server is started by the `pg_cluster` fixture (skipped, saying why, where PostgreSQL is missing)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa

import pgcluster
from conftest import feeds_config, rss, sample_items
from nashra.aggregator.cli import main
from nashra.aggregator.config import load_config
from nashra.aggregator.daemon import Daemon
from nashra.aggregator.store import Store, coordination, items, locks
from nashra.aggregator.store.schema import MIGRATIONS
from test_daemon import free_port, start, stop, wait_for


def new_database(cluster) -> str:
    return cluster.create_database(f"w{uuid.uuid4().hex[:12]}")


def worker_config(tmp_path, database: str, feeds: list[tuple[str, str]], *top: str, schedule: tuple[str, ...] = ()):
    return feeds_config(tmp_path, feeds, "output_dir: public", *top, database=database,
                        fetch=("read_timeout: 3", "total_timeout: 5"),
                        schedule=("lease_seconds: 5", "tick_seconds: 1", *schedule))


def run_once(cfg) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nashra.aggregator.cli", "--config", str(cfg), "run", "--once"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def polled(out: str) -> int:
    return int(re.search(r"(\d+) feeds polled", out).group(1))


def test_workers_starting_together_migrate_once(pg_cluster):
    url = new_database(pg_cluster)
    with ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(lambda _: Store(url), range(6)))
    with stores[0].engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM schema_version")).scalars().all() == [MIGRATIONS[-1][0]]
        assert conn.execute(sa.text("SELECT count(*) FROM coordination")).scalar() == 4
    for store in stores:
        store.close()


def test_three_workers_fetch_each_feed_once(tmp_path, server, pg_cluster):
    # 60 feeds that take half a second each: long enough for all three workers to be in the cycle
    paths = [f"/f{i}" for i in range(60)]
    for i, path in enumerate(paths):
        server.route(path, rss(sample_items(2, f"f{i}", first=i % 18)), delay=0.5)
    cfg = worker_config(tmp_path, new_database(pg_cluster), [(f"مصدر {i}", server.url(p)) for i, p in enumerate(paths)],
                        schedule=("once_join_seconds: 4",))
    assert main(["--config", str(cfg), "classifier", "train"]) == 0  # once, not raced by three first starts
    procs = [run_once(cfg) for _ in range(3)]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.append(out)
    counts = [server.count(p) for p in paths]
    assert counts == [1] * len(paths), f"fetches per feed: {counts}"
    shares = [polled(out) for out in outs]
    assert sum(shares) == len(paths) and sum(1 for s in shares if s) >= 2, shares  # they split the work
    with Store(load_config(cfg).database).engine.connect() as conn:
        assert items.count(conn) == 120
        assert coordination.unpublished_changes(conn) is None  # the outputs show every change
    assert (tmp_path / "public" / "feed.atom").exists()

    # a `run --once` started after that cycle ended (and its joining grace passed) polls every feed once more
    time.sleep(4.5)
    later = run_once(cfg)
    out, err = later.communicate(timeout=120)
    assert later.returncode == 0 and polled(out) == 60, err
    assert [server.count(p) for p in paths] == [2] * len(paths)


def test_a_killed_worker_leaves_a_lease_that_another_takes_when_it_expires(tmp_path, server, pg_cluster):
    good = [server.route(f"/g{i}", rss(sample_items(1, f"g{i}", first=i))) for i in range(3)]
    server.route("/stuck", hang=True)
    cfg = worker_config(tmp_path, new_database(pg_cluster),
                        [(f"جيد {i}", url) for i, url in enumerate(good)] + [("عالق", server.url("/stuck"))])
    assert main(["--config", str(cfg), "classifier", "train"]) == 0
    victim = run_once(cfg)
    try:
        assert wait_for(lambda: server.count("/stuck") == 1 and all(server.count(f"/g{i}") for i in range(3)))
        time.sleep(1)  # let it record the good feeds
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    # while the lease holds, another worker leaves the feed alone
    server.route("/stuck", rss(sample_items(1, "stuck", first=10)))
    second = subprocess.run([sys.executable, "-m", "nashra.aggregator.cli", "--config", str(cfg), "run", "--once"],
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and server.count("/stuck") == 1, second.stderr
    # once it has expired (lease_seconds: 5), the next worker takes the feed
    assert wait_for(lambda: subprocess.run(
        [sys.executable, "-m", "nashra.aggregator.cli", "--config", str(cfg), "run", "--once"],
        capture_output=True, timeout=60).returncode == 0 and server.count("/stuck") == 2, timeout=30)
    with Store(load_config(cfg).database).engine.connect() as conn:
        titles = {i.title for i in items.latest(conn, 10)}
    assert sample_items(1, "stuck", first=10)[0]["title"] in titles and len(titles) == 4


def test_one_worker_publishes_each_change_and_the_digest_once(tmp_path, server, pg_cluster):
    url = server.route("/feed", rss(sample_items(3, "p")))
    cfg = load_config(worker_config(tmp_path, new_database(pg_cluster), [("أ", url)]))
    first, second = (Daemon(cfg, Store(cfg.database)) for _ in range(2))
    feed_atom = tmp_path / "public" / "feed.atom"
    try:
        first.sync_feeds()
        with locks.leader(first.store.engine, "publish") as leading:  # a worker mid-publish
            assert leading
            first.updater.run_cycle(every_feed=True)
            second.publish_if_changed()
            assert not feed_atom.exists()  # the other worker held the publish lock: skipped, not doubled
        second.publish_if_changed()
        published = feed_atom.stat().st_mtime_ns
        first.publish_if_changed()
        second.publish_if_changed()
        assert feed_atom.stat().st_mtime_ns == published  # nothing changed since: nobody publishes again
        with first.store.engine.connect() as conn:
            assert coordination.unpublished_changes(conn) is None

        first.daily_digest()
        digests = sorted((tmp_path / "public" / "digest").glob("*.html"))
        assert len(digests) == 1
        made = digests[0].stat().st_mtime_ns
        second.daily_digest()
        assert digests[0].stat().st_mtime_ns == made
        with first.store.engine.connect() as conn:
            day = date.fromisoformat(digests[0].stem)
            assert coordination.digest_made(conn, int(day.strftime("%Y%m%d")))
    finally:
        for daemon in (first, second):
            daemon.close()
            daemon.store.close()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


def test_health_readiness_and_metrics(tmp_path, server):
    reason = pgcluster.available()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    url = server.route("/feed", rss(sample_items(4, "m")))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with pgcluster.PgCluster() as cluster:  # its own server: the test stops it
        cfg = worker_config(tmp_path, cluster.create_database("health"), [("أ", url)], f"listen: 127.0.0.1:{port}")
        proc = start(cfg)
        try:
            assert wait_for(lambda: fetch(f"{base}/readyz")[0] == 200, timeout=60), proc.stderr
            assert fetch(f"{base}/healthz") == (200, "ok\n")
            assert wait_for(lambda: "nashra_cycle_duration_seconds_count 0.0" not in fetch(f"{base}/metrics")[1])
            status, text = fetch(f"{base}/metrics")
            assert status == 200, text
            assert 'nashra_fetches_total{status="new"} 1.0' in text
            assert 'nashra_items_total{kind="new"} 4.0' in text
            assert "nashra_stories 4.0" in text and "nashra_feeds_failing 0.0" in text
            assert "nashra_cycle_duration_seconds_count" in text and "nashra_fetch_duration_seconds_bucket" in text
            assert re.search(r'nashra_topic_items\{topic="arab_world"\} [1-4]\.0', text)

            cluster.stop()  # the database goes away: alive, but not ready
            assert wait_for(lambda: fetch(f"{base}/readyz")[0] == 503, timeout=30)
            status, why = fetch(f"{base}/readyz")
            assert "database unreachable" in why
            assert fetch(f"{base}/healthz")[0] == 200
        finally:
            assert stop(proc) < 10
    assert "Traceback" not in proc.stderr.read()

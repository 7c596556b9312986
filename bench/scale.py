"""Several workers sharing one feed queue (issue 7): 2,000 loopback feeds polled by `nashra run --once` with 1,
2 and 4 worker processes started together on PostgreSQL, and by one process on SQLite, in one run.

Prints, per configuration: the cycle's wall time (launch to the last worker's exit), items/s, fetches and
duplicate fetches (must be 0), how the feeds were split among the workers, and the database size per 100k
items (PostgreSQL: less the size of an empty database; SQLite: the file with its WAL). PostgreSQL is a
throwaway server (initdb + pg_ctl, fsync on) on a loopback port.

    .venv/bin/python bench/scale.py [--feeds 2000] [--per-feed 10] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from corpus import build_feeds, start_server  # noqa: E402
import pgcluster  # noqa: E402

from nashra.aggregator.store import Store, items  # noqa: E402


def write_config(workdir: Path, database: str, base: str, paths: list[str], model: Path) -> Path:
    lines = [f"database: {database}", f"output_dir: {workdir / 'public'}", "fetch:",
             "  allow_private_networks: [127.0.0.0/8]", "classifier:", f"  model: {model}",
             f"  corrections: {workdir / 'corrections.jsonl'}", "feeds:"]
    for i, path in enumerate(paths):
        lines += [f"  - name: مصدر {i}", f"    url: {base}{path}"]
    cfg = workdir / "feeds.yaml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


def hits(base: str, reset: bool = False) -> dict[str, int]:
    with urllib.request.urlopen(f"{base}/_hits{'?reset' if reset else ''}", timeout=10) as resp:
        return json.loads(resp.read())


def run_workers(cfg: Path, count: int) -> tuple[float, list[int]]:
    """Start `count` `run --once` processes together; wall seconds and feeds polled by each."""
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "nashra.aggregator.cli", "--config", str(cfg), "--quiet", "run",
                               "--once"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(count)]
    shares = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"a worker failed ({proc.returncode}): {err[-2000:]}")
        shares.append(int(re.search(r"(\d+) feeds polled", out).group(1)))
    return time.perf_counter() - started, shares


def stored_items(database: str) -> int:
    store = Store(database)
    try:
        with store.engine.connect() as conn:
            return items.count(conn)
    finally:
        store.close()


def sqlite_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if not p.name.endswith(".lock"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--per-feed", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    reason = pgcluster.available()
    documents, origin = build_feeds(args.feeds, args.per_feed)
    paths = sorted(documents)
    server, port = start_server(documents)
    base = f"http://127.0.0.1:{port}"
    print(f"{args.feeds} loopback feeds x {args.per_feed} items from the {origin}; "
          f"{len(paths) * args.per_feed:,} items per cycle; a fresh database per configuration")
    rows = []
    with tempfile.TemporaryDirectory(prefix="nashra-scale-") as tmp:
        tmp_path = Path(tmp)
        model = tmp_path / "model.joblib"
        runs: list[tuple[str, int, str, Path | None]] = []
        cluster = None
        empty_pg = 0
        if reason is None:
            cluster = pgcluster.PgCluster(durable=True).start()
            runs += [("PostgreSQL", n, cluster.create_database(f"scale{n}"), None) for n in args.workers]
            Store(cluster.create_database("empty")).close()  # the size of a database with no rows: subtracted
            empty_pg = cluster.database_size("empty")
        else:
            print(f"PostgreSQL runs skipped: {reason}")
        sqlite_file = tmp_path / "sqlite" / "nashra.db"
        runs.append(("SQLite", 1, f"sqlite:///{sqlite_file}", sqlite_file))
        try:
            for engine, workers, database, path in runs:
                workdir = tmp_path / f"{engine}-{workers}"
                workdir.mkdir()
                cfg = write_config(workdir, database, base, paths, model)
                if not model.exists():  # trained once, outside the timed cycles
                    subprocess.run([sys.executable, "-m", "nashra.aggregator.cli", "--config", str(cfg), "--quiet",
                                    "classifier", "train"], check=True, capture_output=True)
                hits(base, reset=True)
                seconds, shares = run_workers(cfg, workers)
                counts = hits(base)
                fetches = sum(counts.values())
                duplicates = sum(c - 1 for c in counts.values() if c > 1)
                missed = sum(1 for p in paths if p not in counts)
                stored = stored_items(database)
                size = sqlite_size(path) if path else cluster.database_size(database.rsplit("/", 1)[1]) - empty_pg
                rows.append((engine, workers, seconds, stored, fetches, duplicates, missed, shares, size))
                print(f"  {engine:<10} {workers} worker(s): {seconds:6.1f} s, {stored / seconds:6.0f} items/s, "
                      f"{fetches} fetches, {duplicates} duplicate, {missed} missed, split {shares}, "
                      f"{size / stored * 100_000 / 2**20:.0f} MB per 100k items", flush=True)
        finally:
            if cluster is not None:
                cluster.stop()
            server.terminate()
    print()
    print("| engine | workers | cycle (s) | items/s | fetches | duplicate fetches | feeds per worker | MB per 100k items |")
    print("|---|---|---|---|---|---|---|---|")
    for engine, workers, seconds, stored, fetches, duplicates, missed, shares, size in rows:
        print(f"| {engine} | {workers} | {seconds:.1f} | {stored / seconds:.0f} | {fetches} | {duplicates} "
              f"| {' / '.join(map(str, shares))} | {size / stored * 100_000 / 2**20:.0f} |")


if __name__ == "__main__":
    main()

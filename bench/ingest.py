"""Ingest benchmark: Nashra's first and unchanged cycles over 200 loopback feeds x 50 Arabic items, against
feedparser alone on the same bytes and lemon24/reader (the yardstick) on the same server, in one run.

    .venv/bin/python bench/ingest.py [--feeds 200] [--items 50] [--rounds 3] [--no-reader]
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from statistics import median
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import build_feeds, start_server  # noqa: E402

from nashra.aggregator.config import parse_config  # noqa: E402
from nashra.aggregator.daemon import Daemon  # noqa: E402
from nashra.aggregator.store import Store, items  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_feedparser(documents: dict[str, bytes]) -> tuple[int, float]:
    started = time.perf_counter()
    count = sum(len(feedparser.parse(body).entries) for body in documents.values())
    return count, time.perf_counter() - started


def bench_nashra(base: str, paths: list[str], workdir: Path) -> dict:
    data = {"database": f"sqlite:///{workdir / 'nashra.db'}", "output_dir": str(workdir / "public"),
            "fetch": {"allow_private_networks": ["127.0.0.0/8"]},
            "feeds": [{"name": f"مصدر {i}", "url": base + p} for i, p in enumerate(paths)]}
    config = parse_config(data, workdir / "feeds.yaml")
    store = Store(config.database)
    daemon = Daemon(config, store)
    daemon.sync_feeds()
    started = time.perf_counter()
    first = daemon.cycle(every_feed=True)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = daemon.cycle(every_feed=True)
    second_s = time.perf_counter() - started
    with store.engine.connect() as conn:
        stored = items.count(conn)
    daemon.close()
    store.close()
    return {"new": first.new_items, "stored": stored, "first_s": first_s, "second_s": second_s,
            "second_new": second.new_items, "errors": first.errors + second.errors,
            "unchanged": sum(1 for o in second.outcomes if o.status == "unchanged")}


def bench_reader(base: str, paths: list[str], workdir: Path) -> dict | None:
    try:
        from reader import make_reader
    except ImportError:
        return None
    reader = make_reader(str(workdir / "reader.sqlite"))
    for p in paths:
        reader.add_feed(base + p)
    started = time.perf_counter()
    reader.update_feeds(workers=8, scheduled=False)
    first_s = time.perf_counter() - started
    count = reader.get_entry_counts().total
    started = time.perf_counter()
    reader.update_feeds(workers=8, scheduled=False)
    second_s = time.perf_counter() - started
    reader.close()
    return {"items": count, "first_s": first_s, "second_s": second_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of feedparser, Nashra and reader in turn; medians are reported (default 3)")
    parser.add_argument("--no-reader", action="store_true", help="skip the lemon24/reader yardstick")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    documents, origin = build_feeds(args.feeds, args.items)
    total_bytes = sum(map(len, documents.values()))
    print(f"corpus: {args.feeds} feeds x {args.items} items from the {origin}, {total_bytes / 1e6:.1f} MB; "
          f"{args.rounds} rounds, each: feedparser alone, then Nashra and reader on fresh stores")
    proc, port = start_server(documents)
    base = f"http://127.0.0.1:{port}"
    paths = sorted(documents)
    fp_rates, rates, firsts, seconds, r_rates, r_seconds = [], [], [], [], [], []
    nashra_rss = 0.0
    try:
        for round_no in range(1, args.rounds + 1):
            # interleaved, so that a machine that slows down (shared cores) slows every contestant alike
            fp_items, fp_s = bench_feedparser(documents)
            fp_rates.append(fp_items / fp_s)
            with tempfile.TemporaryDirectory() as tmp:
                n = bench_nashra(base, paths, Path(tmp))
                nashra_rss = max(nashra_rss, peak_rss_mb())
                rates.append(n["new"] / n["first_s"])
                firsts.append(n["first_s"])
                seconds.append(n["second_s"])
                line = (f"round {round_no}: feedparser alone {fp_rates[-1]:,.0f} items/s; nashra first cycle "
                        f"{n['new']} new items in {n['first_s']:.2f} s = {rates[-1]:,.0f} items/s (ratio "
                        f"{rates[-1] / fp_rates[-1]:.2f}), unchanged cycle {n['unchanged']}/{len(paths)} answered 304 "
                        f"in {n['second_s']:.3f} s, {n['second_new']} new, {n['errors']} errors, {n['stored']} stored")
                if not args.no_reader:
                    r = bench_reader(base, paths, Path(tmp))
                    if r is not None:
                        r_rates.append(r["items"] / r["first_s"])
                        r_seconds.append(r["second_s"])
                        line += f"; reader {r_rates[-1]:,.0f} items/s, unchanged {r['second_s']:.3f} s"
                print(line, flush=True)
        fp_rate, rate = median(fp_rates), median(rates)
        print(f"feedparser alone (default options, same bytes): median {fp_rate:,.0f} items/s")
        print(f"nashra first cycle (fetch+parse+clean+store+publish, clustering and topics included): median "
              f"{rate:,.0f} items/s, {1000 / rate:.3f} ms/item; ratio of medians to feedparser alone "
              f"{rate / fp_rate:.2f} (per round: {', '.join(f'{a / b:.2f}' for a, b in zip(rates, fp_rates))})")
        print(f"nashra unchanged cycle: median {median(seconds):.3f} s for {len(paths)} feeds")
        print(f"nashra peak RSS: {nashra_rss:.0f} MB")
        if r_rates:
            print(f"reader (lemon24 3.x, workers=8): first update median {median(r_rates):,.0f} items/s, unchanged "
                  f"update median {median(r_seconds):.3f} s; nashra / reader: {rate / median(r_rates):.2f}x the "
                  f"items/s, unchanged cycle {median(r_seconds) / max(median(seconds), 1e-9):.2f}x faster")
        elif not args.no_reader:
            print("reader: not installed (pip install '.[bench]')")
        print(f"peak RSS of the whole run: {peak_rss_mb():.0f} MB")
    finally:
        proc.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Near-duplicate stories: quality on the project's labelled pairs, and cost per added item at scale.

    .venv/bin/python bench/cluster.py [--sizes 10000,100000,1000000] [--pairs-only]

Part 1 reads bench/data/pairs.jsonl (written by the project) and reports pair precision and recall of the
same-story decision the pipeline makes (LSH candidate + exact char-5 Jaccard >= threshold), per kind of pair,
with a threshold sweep. Part 2 fills a real SQLite store with N items spread over time (the band index holds
the 72 h window, as in production), then times adding 1,000 new items through the pipeline's own
`assign_story`, and runs datasketch's in-memory MinHashLSH on the same items as the yardstick.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from nashra.aggregator.cluster import ClusterSettings, NewItem, RecentFingerprints, assign_stories, fingerprint
from nashra.aggregator.cluster.decide import same_template_other_day
from nashra.aggregator.cluster.minhash import BANDS, NUM_PERM, ROWS, similarity, story_text
from nashra.aggregator.identify import content_hash
from nashra.aggregator.store import Store
from nashra.aggregator.store.schema import feeds, items, stories, story_bands
from nashra.aggregator.store.stories import add_bands

HERE = Path(__file__).resolve().parent
POLL = 50  # new items per feed poll, the batch the pipeline clusters at once
SHARED = HERE.parent.parent / "shared" / "corpus"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- part 1: quality on labelled pairs -------------------------------------------------------------------

def pair_quality(path: Path) -> None:
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    scored = []
    for p in pairs:
        fa, fb = fingerprint(p["a"]["title"], p["a"]["summary"]), fingerprint(p["b"]["title"], p["b"]["summary"])
        candidate = bool(set(fa.keys) & set(fb.keys))
        score = 0.0 if same_template_other_day(fa.text, fb.text) else similarity(fa.shingles, fb.shingles)  # as assign_story does
        scored.append((p["kind"], p["same"], candidate, score))
    print(f"pairs: {len(pairs)} ({sum(s for _, s, _, _ in scored)} same story, "
          f"{sum(not s for _, s, _, _ in scored)} different) from {path.relative_to(HERE.parent)}")
    print(f" threshold  precision  recall   (decision: LSH {BANDS}x{ROWS} or same-title candidate, exact char-5 Jaccard (or containment) >= threshold, "
          "not another edition of a recurring item)")
    for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.6):
        tp = sum(1 for _, same, cand, j in scored if same and cand and j >= threshold)
        fp = sum(1 for _, same, cand, j in scored if not same and cand and j >= threshold)
        fn = sum(1 for _, same, cand, j in scored if same and not (cand and j >= threshold))
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"   {threshold:4.2f}      {precision:6.3f}   {tp / (tp + fn):6.3f}")
    by_kind = defaultdict(list)
    for kind, same, cand, j in scored:
        by_kind[(kind, same)].append((cand, j))
    print(" per kind at the default threshold 0.5 (share decided 'same story'; median Jaccard):")
    for (kind, same), rows in sorted(by_kind.items(), key=lambda kv: (not kv[0][1], kv[0][0])):
        joined = sum(1 for cand, j in rows if cand and j >= 0.5) / len(rows)
        print(f"   {'same' if same else 'diff'} {kind:24s} n={len(rows):3d}  joined {joined:6.1%}  "
              f"median J {np.median([j for _, j in rows]):.2f}")


# --- part 2: cost per added item at scale ------------------------------------------------------------------

def corpus_texts(limit: int = 20000) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name in ("ant_weak.jsonl", "asnd_weak.jsonl"):
        path = SHARED / name
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                rows += [(r.get("title", ""), r.get("summary", "")) for r in map(json.loads, handle)]
    if not rows:
        for path in sorted((HERE.parent / "seeds" / "topics").glob("*.jsonl")):
            rows += [(r["title"], r.get("summary", "")) for r in map(json.loads, path.open(encoding="utf-8"))]
    random.Random(3).shuffle(rows)
    return rows[:limit]


def synthetic(base: list[tuple[str, str]], n: int, rng: random.Random) -> list[tuple[str, str]]:
    """n distinct stories: the title of one corpus item, words of others and the summary of a third, so that
    at 10^6 items no two are near-copies (a real archive has a few copies of a story, not dozens)."""
    words = [w for t, s in base[:3000] for w in (t + " " + s).split()]
    out = []
    for _ in range(n):
        title = base[rng.randrange(len(base))][0]
        summary = base[rng.randrange(len(base))][1]
        extra = " ".join(rng.choice(words) for _ in range(5))
        out.append((f"{extra} {title}", summary))
    return out


def fill_store(store: Store, n: int, now: datetime, base, rng) -> None:
    """n items published over n/5000 days before `now`; bands only for the last 72 h (the index is pruned)."""
    per_day = 5000
    window_start = now - timedelta(hours=72)
    texts = synthetic(base, n, rng)
    with store.begin() as conn:
        feed_id = conn.execute(feeds.insert().values(config_url="https://bench.example/rss", url="https://bench.example/rss",
                                                     name="bench", active=True, error_count=0, created_at=now)
                               ).inserted_primary_key[0]
    batch_items, batch_stories, batch_bands = [], [], []

    def flush(conn):
        if batch_items:
            conn.execute(items.insert(), batch_items)
            conn.execute(stories.insert(), batch_stories)
        if batch_bands:
            add_bands(conn, batch_bands)
        batch_items.clear(), batch_stories.clear(), batch_bands.clear()

    with store.begin() as conn:
        for i, (title, summary) in enumerate(texts, 1):
            published = now - timedelta(days=(n - i) / per_day)
            batch_items.append({"id": i, "feed_id": feed_id, "identity": f"b{i}", "title": title, "summary_html": "",
                                "text": summary, "author": "", "categories": [], "content_hash": content_hash(title, summary),
                                "published": published, "first_seen_at": published, "updated_at": published,
                                "story_id": i, "story_locked": False})
            batch_stories.append({"id": i, "founder_item_id": i, "first_published": published,
                                  "last_published": published, "item_count": 1, "created_at": published})
            if published >= window_start:
                for key in set(fingerprint(title, summary).keys):
                    batch_bands.append((key, i, int(published.timestamp())))
            if len(batch_items) >= 5000:
                flush(conn)
        flush(conn)


def time_additions(store: Store, now: datetime, base, rng, count: int = 1000) -> tuple[float, int]:
    settings = ClusterSettings()
    new = synthetic(base[::-1], count, rng)
    # every fifth new item is an edited copy of a recent one, so joins are exercised too
    with store.engine.connect() as conn:
        recent = conn.execute(items.select().order_by(items.c.id.desc()).limit(count)).all()
    for k in range(0, count, 5):
        row = recent[k]
        new[k] = ("عاجل: " + row.title, row.text[: max(20, len(row.text) * 4 // 5)])
    joined = 0
    with store.begin() as conn:  # the items themselves are stored first: only the cluster stage is timed
        next_id = conn.execute(items.select().with_only_columns(items.c.id).order_by(items.c.id.desc()).limit(1)).scalar() + 1
        conn.execute(items.insert(), [{"id": next_id + k, "feed_id": 1, "identity": f"n{next_id + k}", "title": title,
                                       "summary_html": "", "text": summary, "author": "", "categories": [],
                                       "content_hash": content_hash(title, summary), "published": now,
                                       "first_seen_at": now, "updated_at": now, "story_locked": False}
                                      for k, (title, summary) in enumerate(new)])
    batch = [NewItem(next_id + k, title, summary, now, content_hash(title, summary))
             for k, (title, summary) in enumerate(new)]
    recent = RecentFingerprints()
    started = time.perf_counter()
    with store.begin() as conn:
        for start in range(0, count, POLL):  # as the pipeline does: one feed poll at a time
            for k, story in enumerate(assign_stories(conn, batch[start:start + POLL], settings, now, recent), start):
                joined += k % 5 == 0 and story < next_id  # an edited copy found its original's story
    return (time.perf_counter() - started) / count * 1000, joined


def datasketch_yardstick(base, n_window: int, rng) -> str:
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return "datasketch not installed (pip install '.[bench]')"
    texts = synthetic(base, n_window, rng)
    before = rss_mb()
    lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
    sets = []
    started = time.perf_counter()
    for i, (title, summary) in enumerate(texts):
        text = story_text(title, summary)
        grams = {text[j:j + 5].encode() for j in range(max(1, len(text) - 4))}
        mh = MinHash(num_perm=NUM_PERM, seed=1)
        mh.update_batch(list(grams))
        lsh.insert(i, mh)
        sets.append(mh)
    insert_ms = (time.perf_counter() - started) / len(texts) * 1000
    started = time.perf_counter()
    for mh in sets[:1000]:
        lsh.query(mh)
    query_ms = (time.perf_counter() - started) / 1000 * 1000
    grown = rss_mb() - before
    memory = f"+{grown:.0f} MB peak RSS" if grown > 0 else "its memory hidden under the earlier peak"
    return (f"datasketch MinHashLSH (in memory, {n_window:,} window items): insert {insert_ms:.3f} ms/item "
            f"(MinHash included), query {query_ms:.3f} ms/item, {memory}; lost on restart, one process only")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--pairs-only", action="store_true")
    args = parser.parse_args()
    pairs = HERE / "data" / "pairs.jsonl"
    if pairs.exists():
        pair_quality(pairs)
    if args.pairs_only:
        return 0
    base = corpus_texts()
    print(f"\nscale: texts from {'the shared corpus' if SHARED.exists() else 'the seed corpus'} ({len(base):,} distinct)")
    now = datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
    for n in (int(s) for s in args.sizes.split(",")):
        rng = random.Random(n)
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{tmp}/bench.db")
            started = time.perf_counter()
            fill_store(store, n, now, base, rng)
            fill_s = time.perf_counter() - started
            with store.engine.connect() as conn:
                bands = conn.execute(story_bands.select().with_only_columns(story_bands.c.item_id)).all()
            ms, joined = time_additions(store, now, base, rng)
            size_mb = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*")) / 1e6  # with the WAL
            print(f"{n:>9,} items stored ({len(set(b[0] for b in bands)):,} in the 72 h band index, db {size_mb:,.0f} MB, "
                  f"filled in {fill_s:.0f} s): {ms:.3f} ms per added item, {joined}/200 edited copies joined "
                  f"their story; peak RSS {rss_mb():.0f} MB")
            store.close()
    print(datasketch_yardstick(base, 15000, random.Random(1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Stories on a real stream: cluster dated real items in order of publication and show what each tier joined.

    .venv/bin/python bench/stream.py [--limit 10100] [--sample 30] [--seed 4]

The labelled pairs (bench/cluster.py) hold as many same-story pairs as different ones; in a stream every new item
meets far more different stories than same ones, so a tier's precision there is lower. This runs the pipeline's
own `assign_stories` over one outlet's dated feed items (../shared/corpus/ant_weak.jsonl, Tunisian radio
2014-2017; skipped when absent) in a real SQLite store, counts the joins by tier (a copy scores above the
threshold, a retelling exactly at it) and by time apart, and prints a random sample of retelling joins to be
read by hand.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nashra.aggregator.cluster as cluster
from nashra.aggregator.cluster import ClusterSettings, NewItem, RecentFingerprints, assign_stories
from nashra.aggregator.identify import content_hash
from nashra.aggregator.store import Store
from nashra.aggregator.store.schema import feeds, items

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "ant_weak.jsonl"
POLL = 50


@dataclass(frozen=True)
class Join:
    item: int
    joined: int  # the candidate it joined
    score: float  # above the threshold: a copy; at it: a retelling


def published(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value).astimezone(timezone.utc)
    except ValueError:  # some items carry only a day
        return datetime.strptime(value, "%d/%m/%Y").replace(hour=12, tzinfo=timezone.utc)


def load(limit: int) -> list[tuple[datetime, str, str]]:
    rows = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    dated = [(published(r["published"]), r.get("title", ""), r.get("summary", "")) for r in rows if r.get("published")]
    return sorted(dated, key=lambda row: row[0])[:limit]


def run(stream: list[tuple[datetime, str, str]]) -> list[Join]:
    """Store and cluster the stream a poll at a time; record the candidate each item joined."""
    chosen: list[cluster.Candidate | None] = []
    choose = cluster.choose_story

    def recording(candidates, threshold, max_size):  # the pipeline's own decision, observed
        best = choose(candidates, threshold, max_size)
        chosen.append(best)
        return best

    cluster.choose_story = recording
    joins = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(f"sqlite:///{tmp}/stream.db")
            now = datetime.now(timezone.utc)
            with store.begin() as conn:
                feed = conn.execute(feeds.insert().values(config_url="stream", url="stream", name="stream", active=True,
                                                          error_count=0, created_at=now)).inserted_primary_key[0]
            known = RecentFingerprints()
            for start in range(0, len(stream), POLL):
                batch = []
                with store.begin() as conn:
                    for offset, (when, title, text) in enumerate(stream[start:start + POLL]):
                        item_id = start + offset + 1
                        digest = content_hash(title, text)
                        conn.execute(items.insert().values(
                            id=item_id, feed_id=feed, identity=str(item_id), title=title, summary_html="", text=text,
                            author="", categories=[], content_hash=digest, published=when, first_seen_at=when,
                            updated_at=when, story_locked=False))
                        batch.append(NewItem(item_id, title, text, when, digest))
                    chosen.clear()
                    assign_stories(conn, batch, ClusterSettings(), now, known)
                    joins += [Join(item.id, best.item_id, best.similarity)
                              for item, best in zip(batch, chosen) if best is not None]
            store.close()
    finally:
        cluster.choose_story = choose
    return joins


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10100)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS.name} is not beside the project (../shared/corpus)")
        return 0
    stream = load(args.limit)
    joins = run(stream)
    threshold = ClusterSettings().threshold
    copies = [j for j in joins if j.score > threshold]
    retold = [j for j in joins if j.score == threshold]
    print(f"{len(stream):,} items of {CORPUS.name} in order of publication: {len(copies)} joined a story as copies, "
          f"{len(retold)} as retellings")
    hours = sorted(abs((stream[j.item - 1][0] - stream[j.joined - 1][0]).total_seconds()) / 3600 for j in retold)
    print("retellings by hours apart: " + ", ".join(f"<= {h} h: {bisect.bisect(hours, h)}" for h in (6, 12, 24, 48)))
    print(f"a random sample of {args.sample} retelling joins, to read:")
    for j in random.Random(args.seed).sample(retold, min(args.sample, len(retold))):
        for tag, index in (("new", j.item), ("joined", j.joined)):
            when, title, text = stream[index - 1]
            print(f"  {tag:6s} {when:%Y-%m-%d %H:%M} {title} | {text[:140]}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Check the seed corpus files: valid JSONL, the contract's fields and labels, no repeated titles.

Usage: python tools/check_seeds.py [FILE ...]   (default: every seeds/topics/*.jsonl)
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

TOPICS = {"arab_world", "international", "security"}


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    files = [Path(a) for a in argv] or sorted((root / "seeds" / "topics").glob("*.jsonl"))
    problems, titles, combos, total = [], collections.Counter(), collections.Counter(), 0
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{lineno}"
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc})")
                continue
            if set(row) - {"title", "summary", "labels"} or not {"title", "labels"} <= set(row):
                problems.append(f"{where}: keys must be title, summary, labels (got {sorted(row)})")
                continue
            labels = row["labels"]
            if not isinstance(labels, list) or set(labels) - TOPICS or len(set(labels)) != len(labels):
                problems.append(f"{where}: bad labels {labels!r}")
            # a social-media post comes with no title, the whole post in the summary, as such feeds give it
            text = str(row["title"]).strip() or str(row.get("summary", "")).strip()
            if not text:
                problems.append(f"{where}: empty title and summary")
            titles[text] += 1
            combos[tuple(sorted(labels))] += 1
            total += 1
    for title, n in titles.items():
        if n > 1:
            problems.append(f"title (or title-less post) repeated {n} times: {title}")
    print(f"{total} items in {len(files)} files")
    for combo, n in combos.most_common():
        print(f"  {'+'.join(combo) or 'other':40s} {n:5d}  {n / max(total, 1):.1%}")
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

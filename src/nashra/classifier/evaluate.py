"""Evaluation: precision, recall and F1 per topic, micro and macro F1, in the CLI's JSON shape.

Topics are independent labels, so each is scored as its own yes/no decision. Micro-F1 pools the
decisions of all topics (dominated by the frequent ones); macro-F1 averages the per-topic F1, so a
weak rare topic shows. An empty prediction for an item with no gold topic ("other") is correct and
counts as a true negative everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nashra.classifier.examples import TOPICS, Example
from nashra.classifier.model import TopicModel
from nashra.classifier.normalize import match_key


@dataclass(frozen=True)
class TopicMetrics:
    precision: float
    recall: float
    f1: float
    support: int  # gold positives


@dataclass(frozen=True)
class Metrics:
    micro_f1: float
    macro_f1: float
    topics: dict[str, TopicMetrics]

    def to_json(self) -> dict[str, Any]:
        """The object ``nashra classifier evaluate --json`` prints (a dict ready for json.dumps):
        {"micro_f1", "macro_f1", "topics": {topic: {"precision", "recall", "f1", "support"}}}."""
        return {
            "micro_f1": self.micro_f1,
            "macro_f1": self.macro_f1,
            "topics": {t: {"precision": m.precision, "recall": m.recall, "f1": m.f1,
                           "support": m.support} for t, m in self.topics.items()},
        }


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return p, r, f


def score(gold: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]],
          topics: Sequence[str] = TOPICS) -> Metrics:
    """Metrics of label sets ``predicted`` against ``gold`` (same length, same order)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold label sets but {len(predicted)} predictions")
    per: dict[str, TopicMetrics] = {}
    sums = [0, 0, 0]
    f1s = []
    for t in topics:
        tp = sum(1 for g, p in zip(gold, predicted) if t in g and t in p)
        fp = sum(1 for g, p in zip(gold, predicted) if t not in g and t in p)
        fn = sum(1 for g, p in zip(gold, predicted) if t in g and t not in p)
        sums = [sums[0] + tp, sums[1] + fp, sums[2] + fn]
        p, r, f = _prf(tp, fp, fn)
        f1s.append(f)
        per[t] = TopicMetrics(round(p, 4), round(r, 4), round(f, 4), tp + fn)
    micro = _prf(*sums)[2]
    macro = sum(f1s) / len(f1s) if f1s else 0.0
    return Metrics(round(micro, 4), round(macro, 4), per)


def evaluate(model: TopicModel, examples: Sequence[Example]) -> Metrics:
    """Predict ``examples`` with ``model`` and score against their labels."""
    predicted = model.predict([ex.text for ex in examples])
    return score([ex.labels for ex in examples], predicted, model.topics)


def _word_shingles(text: str, k: int = 8) -> set[tuple[str, ...]]:
    words = match_key(text).split()
    return {tuple(words[i:i + k]) for i in range(max(len(words) - k + 1, 1))}


class HeldOut:
    """Recognises items that repeat a story of an evaluation set (a shared run of eight words, or the same
    opening of a title or summary), so that such items never reach training and seeds never copy one."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self.shingles: set[tuple[str, ...]] = set()
        self.openings: set[str] = set()
        for ex in examples:
            self.shingles |= _word_shingles(ex.text)
            for part in (ex.title, ex.summary):
                key = match_key(part)[:60]
                if len(key) >= 20:
                    self.openings.add(key)

    def seen(self, title: str, summary: str) -> bool:
        for part in (title, summary):
            if match_key(part)[:60] in self.openings:
                return True
        return not self.shingles.isdisjoint(_word_shingles(f"{title} . {summary}"))

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

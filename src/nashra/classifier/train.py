"""Training: examples in, a TopicModel out (seeds + weak labels + corrections + extra data).

Duplicates are resolved before fitting: examples with the same matching-form text are one story,
and the one that comes *later* in the list wins, so callers pass seeds first, then weak examples,
then ``--data`` files, then corrections (a user's correction beats everything). The configuration
that ships as the default is the one that won the measurements in docs/classifier.md.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

import nashra
from nashra.classifier.examples import TOPICS, Example
from nashra.classifier.features import ArabicTextFeatures
from nashra.classifier.linear import TopicClassifier
from nashra.classifier.model import TopicModel
from nashra.classifier.normalize import match_key

Progress = Callable[[int, int, str], None]
"""progress(done, total, what): called after each step; done == total at the end."""


@dataclass(frozen=True)
class ModelConfig:
    """Everything that shapes the model; stored in the metadata. Defaults = the measured winner."""

    word_ngrams: tuple[int, int] | None = (1, 2)  # 1 and 2 are supported
    # char_wb (2, 5) is the research note's best and is still available; on our dev set it tied
    # with stems + gazetteer and costs ~3x the prediction time (docs/classifier.md)
    char_ngrams: tuple[int, int] | None = None
    stem: bool = True
    min_df: int = 2
    sublinear_tf: bool = True
    word_weight: float = 1.0
    char_weight: float = 1.0
    clean_feed: bool = True
    gazetteer_weight: float = 0.5
    C: float = 0.5
    cv: int = 5
    class_weight: str | None = None
    tune_thresholds: bool = True
    threshold_bounds: tuple[float, float] = (0.2, 0.8)
    extra: dict = field(default_factory=dict)  # free-form notes (e.g. a bench variant's name)

    def pipeline(self) -> Pipeline:
        return Pipeline([
            ("features", ArabicTextFeatures(
                word_ngrams=self.word_ngrams, char_ngrams=self.char_ngrams, stem=self.stem,
                min_df=self.min_df, sublinear_tf=self.sublinear_tf,
                word_weight=self.word_weight, char_weight=self.char_weight,
                clean_feed=self.clean_feed, gazetteer_weight=self.gazetteer_weight)),
            ("classifier", TopicClassifier(
                C=self.C, cv=self.cv, class_weight=self.class_weight,
                tune_thresholds=self.tune_thresholds, threshold_bounds=self.threshold_bounds)),
        ])


def deduplicate(examples: Iterable[Example]) -> list[Example]:
    """One example per story text; the later one wins, in the position of the earlier one."""
    by_key: dict[str, int] = {}
    out: list[Example] = []
    for ex in examples:
        key = match_key(ex.text)
        if key in by_key:
            out[by_key[key]] = ex
        else:
            by_key[key] = len(out)
            out.append(ex)
    return out


def training_hash(examples: Iterable[Example]) -> str:
    """sha256 over the examples as trained (text, labels, known, weight, source), in order."""
    h = hashlib.sha256()
    for ex in examples:
        row = [ex.title, ex.summary, sorted(ex.labels),
               None if ex.known is None else sorted(ex.known), ex.weight, ex.source]
        h.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def train(examples: list[Example], progress: Progress | None = None,
          config: ModelConfig | None = None) -> TopicModel:
    """Fit the default (or ``config``) pipeline; under 60 s on 2 cores for ~5k examples."""
    config = config or ModelConfig()
    started = time.perf_counter()
    data = deduplicate(examples)
    if not data:
        raise ValueError("no training examples")
    texts = [ex.text for ex in data]
    Y = np.array([[int(t in ex.labels) for t in TOPICS] for ex in data], dtype=np.int64)
    known = np.array([[ex.knows(t) for t in TOPICS] for ex in data], dtype=bool)
    weight = np.array([ex.weight for ex in data], dtype=np.float64)
    for j, t in enumerate(TOPICS):
        pos, neg = int((Y[:, j] & known[:, j]).sum()), int(((1 - Y[:, j]) & known[:, j]).sum())
        if pos < 2 or neg < 2:
            raise ValueError(f"topic {t!r} needs at least 2 positive and 2 negative examples "
                             f"(has {pos} and {neg})")

    pipe = config.pipeline()
    clf_steps = len(TOPICS) * (config.cv + 1)
    total = clf_steps + 1

    def report(done: int, _total: int, what: str) -> None:
        if progress:
            progress(1 + done, total, what)

    if progress:
        progress(0, total, "features")
    X = pipe.named_steps["features"].fit_transform(texts)
    if progress:
        progress(1, total, "features")
    clf = pipe.named_steps["classifier"]
    clf.fit(X, Y, sample_weight=weight, known=known, progress=report)
    metrics = _cv_metrics(clf, Y, known)
    clf.oof_ = []
    metadata = {
        "nashra_version": nashra.__version__,
        "sklearn_version": sklearn.__version__,
        "topics": list(TOPICS),
        "thresholds": {t: round(float(x), 4) for t, x in zip(TOPICS, clf.thresholds_)},
        "training_sha256": training_hash(data),
        "n_examples": len(data),
        "n_examples_given": len(examples),
        "sources": dict(Counter(ex.source for ex in data)),
        "n_features": int(X.shape[1]),
        "metrics": {"cross_validation": metrics},
        "config": _jsonable(asdict(config)),
        "train_seconds": round(time.perf_counter() - started, 2),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if progress:
        progress(total, total, "done")
    return TopicModel(pipe, metadata)


def _cv_metrics(clf: TopicClassifier, Y: np.ndarray, known: np.ndarray) -> dict:
    """Out-of-fold F1 per topic at the chosen thresholds (on the training data: optimistic)."""
    out = {}
    for j, (rows, prob) in enumerate(clf.oof_):
        y = Y[rows, j]
        pred = prob >= clf.thresholds_[j]
        tp = int((pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum())
        fn = int((~pred & (y == 1)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        out[TOPICS[j]] = {"precision": round(p, 4), "recall": round(r, 4),
                          "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                          "support": int(y.sum())}
    out["macro_f1"] = round(float(np.mean([v["f1"] for v in out.values()])), 4)
    return out


def _jsonable(x: object) -> object:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x

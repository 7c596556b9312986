"""TopicModel: the trained pipeline (features -> per-topic calibrated SVM) plus what it was made from.

This is what the rest of Nashra holds: it scores item texts (``item_text(title, summary)``), picks
topics with the per-topic thresholds stored alongside, explains a decision, and carries metadata
(versions, topics, thresholds, training-data hash, metrics) so that a stored model can be checked
before use (persist.py) and reported by the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from nashra.classifier.examples import TOPICS

_BATCH = 512  # items per feature batch (features.CHUNK): small arrays stay in cache


class TopicModel:
    """A fitted scikit-learn Pipeline ("features", "classifier") with thresholds and metadata."""

    def __init__(self, pipeline: Pipeline, metadata: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.metadata = metadata

    # -- what the pipeline knows ----------------------------------------------------------------
    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self.metadata.get("topics", TOPICS))

    @property
    def thresholds(self) -> dict[str, float]:
        clf = self.pipeline.named_steps["classifier"]
        return {t: float(x) for t, x in zip(self.topics, clf.thresholds_)}

    # -- prediction -----------------------------------------------------------------------------
    def predict_matrix(self, texts: Sequence[str], n_jobs: int | None = None) -> np.ndarray:
        """Scores as an (n, T) array in topic order.

        Batches of 512 go through features + classifier one at a time (no big matrix is built);
        with more than one batch they run on up to ``n_jobs`` threads (default: up to 2 or the
        CPU count), which helps because the numpy work releases the GIL.
        """
        texts = [t if isinstance(t, str) else "" for t in texts]
        features = self.pipeline.named_steps["features"]
        clf = self.pipeline.named_steps["classifier"]

        coef_t = np.ascontiguousarray(clf.coef_.T, dtype=np.float64)  # one row per topic

        def score(batch: list[str]) -> np.ndarray:
            # the product X @ W straight from the feature entries: no sparse matrix is built
            r, c, v = features.transform_entries(batch)
            margin = np.empty((len(batch), len(coef_t)))
            for t, w in enumerate(coef_t):
                margin[:, t] = np.bincount(r, weights=w[c] * v, minlength=len(batch))
            return clf.proba_from_margin(margin + clf.intercept_)

        batches = [texts[i:i + _BATCH] for i in range(0, len(texts), _BATCH)]
        if not batches:
            return np.zeros((0, len(self.topics)))
        jobs = n_jobs or min(2, os.cpu_count() or 1)
        if jobs > 1 and len(batches) > 1:
            with ThreadPoolExecutor(jobs) as pool:
                parts = list(pool.map(score, batches))
        else:
            parts = [score(b) for b in batches]
        return np.vstack(parts)

    def predict_scores(self, texts: list[str]) -> list[dict[str, float]]:
        """One {topic: score in [0, 1]} per text."""
        m = self.predict_matrix(texts)
        return [dict(zip(self.topics, map(float, row))) for row in m]

    def predict(self, texts: list[str]) -> list[frozenset[str]]:
        """The topics of each text: those whose score reaches the topic's threshold."""
        m = self.predict_matrix(texts)
        clf = self.pipeline.named_steps["classifier"]
        chosen = m >= clf.thresholds_
        return [frozenset(t for t, c in zip(self.topics, row) if c) for row in chosen]

    def explain(self, text: str, top: int = 8) -> dict[str, list[tuple[str, float]]]:
        """For each topic, the ``top`` features of ``text`` with the largest effect on its score.

        The effect of a feature is its TF-IDF value times the topic's SVM weight: positive pushes
        the topic's score up, negative pushes it down (the calibration is monotone, so the sign
        carries over). Names: ``w:`` a stem or stem bigram, ``c:`` a character n-gram (``_`` marks
        a word boundary).
        """
        features = self.pipeline.named_steps["features"]
        clf = self.pipeline.named_steps["classifier"]
        x = features.transform([text]).tocsr()
        names = features.get_feature_names_out()
        cols, vals = x.indices, x.data
        out: dict[str, list[tuple[str, float]]] = {}
        for t, topic in enumerate(self.topics):
            # score = 1 / (1 + exp(a * margin + b)): with a < 0 (the usual case) a feature that
            # raises the margin raises the score
            sign = 1.0 if clf.platt_[t, 0] < 0 else -1.0
            effect = vals * clf.coef_[cols, t] * sign
            order = np.argsort(-np.abs(effect), kind="stable")[:top]
            out[topic] = [(str(names[cols[i]]), round(float(effect[i]), 4)) for i in order
                          if effect[i] != 0]
        return out

    def __repr__(self) -> str:
        md = self.metadata
        return (f"TopicModel(topics={list(self.topics)}, n_examples={md.get('n_examples')}, "
                f"trained_at={md.get('trained_at')!r})")

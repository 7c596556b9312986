"""One linear SVM per topic, Platt-calibrated, with a tuned decision threshold per topic.

Why this shape (research note, section 2.3): on short Arabic news LinearSVC is the most accurate
linear model and fast to fit; sigmoid (Platt) calibration turns its margins into scores that mean
roughly the same thing across topics and across retrainings, which the outputs and the per-topic
thresholds need; isotonic calibration wants >> 1000 calibration items per label, which we lack.

Why not ``OneVsRestClassifier(CalibratedClassifierCV(LinearSVC()))``: topics here are independent
labels, but not every example speaks for every topic (a weak example from a "security" feed says
nothing about regions), so each topic must be fitted on its own rows; and the thresholds must be
tuned on the same out-of-fold scores that calibrate the SVM. Doing the cross-validation once per
topic here gives both from 5 + 1 fits, and leaves one weight vector per topic, which makes
prediction a single sparse x dense product and explanations exact. This is what
``CalibratedClassifierCV(ensemble=False)`` does, extended with weights, masks and thresholds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

Progress = Callable[[int, int, str], None]


def platt(decision: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    """Fit p = 1 / (1 + exp(a * f + b)) by weighted log-loss with Platt's smoothed targets."""
    pos = float(weight[y == 1].sum())
    neg = float(weight[y == 0].sum())
    hi, lo = (pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0)
    t = np.where(y == 1, hi, lo)

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = ab[0] * decision + ab[1]
        # log(1 + e^z) and the sigmoid, both stable for large |z|
        log1pexp = np.logaddexp(0.0, z)
        p = np.exp(-log1pexp)  # = 1 / (1 + e^z)
        nll = weight * (t * log1pexp + (1.0 - t) * (log1pexp - z))
        g = weight * (t - p)  # d nll / dz = (1 - p) - (1 - t) = t - p
        return float(nll.sum()), np.array([float((g * decision).sum()), float(g.sum())])

    prior = np.log((neg + 1.0) / (pos + 1.0))
    res = minimize(loss, np.array([-1.0, prior]), jac=True, method="L-BFGS-B")
    return float(res.x[0]), float(res.x[1])


def best_threshold(prob: np.ndarray, y: np.ndarray, weight: np.ndarray,
                   lo: float = 0.2, hi: float = 0.8) -> tuple[float, float]:
    """(threshold, weighted F1) maximising F1 of ``prob >= threshold``, kept within [lo, hi].

    The bounds stop a threshold from chasing a few items of a small training set to an extreme
    that would not carry over to real feeds.
    """
    order = np.argsort(-prob, kind="stable")
    p, yy, w = prob[order], y[order], weight[order]
    tp = np.cumsum(w * yy)
    fp = np.cumsum(w * (1 - yy))
    total_pos = tp[-1] if len(tp) else 0.0
    f1 = np.where(tp > 0, 2 * tp / (tp + fp + total_pos), 0.0)
    # a cut is only possible between different scores: take the last index of each score run
    last = np.append(p[1:] != p[:-1], True)
    cand = (last & (p >= lo) & (p <= hi))
    if not cand.any():
        return 0.5, float(_f1_at(prob, y, weight, 0.5))
    i = np.flatnonzero(cand)[np.argmax(f1[cand])]
    nxt = p[i + 1] if i + 1 < len(p) else 0.0
    thr = float(np.clip((p[i] + max(nxt, lo)) / 2.0, lo, hi)) if nxt < p[i] else float(p[i])
    return thr, float(f1[i])


def _f1_at(prob: np.ndarray, y: np.ndarray, w: np.ndarray, thr: float) -> float:
    pred = prob >= thr
    tp = float((w * (pred & (y == 1))).sum())
    fp = float((w * (pred & (y == 0))).sum())
    fn = float((w * (~pred & (y == 1))).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


class TopicClassifier(BaseEstimator, ClassifierMixin):
    """Multi-label classifier: for each topic, LinearSVC + Platt sigmoid + threshold.

    ``Y`` is an (n, T) 0/1 matrix. ``known`` (n, T) bool says which cells are labelled; rows are
    left out of a topic's fit where it is False. ``tune_thresholds=False`` keeps 0.5 everywhere.
    """

    def __init__(self, C: float = 0.5, cv: int = 5, class_weight: str | None = None,
                 tune_thresholds: bool = True, threshold_bounds: tuple[float, float] = (0.2, 0.8),
                 random_state: int = 0) -> None:
        self.C = C
        self.cv = cv
        self.class_weight = class_weight
        self.tune_thresholds = tune_thresholds
        self.threshold_bounds = threshold_bounds
        self.random_state = random_state

    def _svc(self) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight=self.class_weight, dual=True,
                         max_iter=5000, random_state=self.random_state)

    def fit(self, X: sp.spmatrix, Y: np.ndarray, sample_weight: np.ndarray | None = None,
            known: np.ndarray | None = None, progress: Progress | None = None) -> TopicClassifier:
        X = sp.csr_matrix(X)
        Y = np.asarray(Y, dtype=np.int64)
        n, n_topics = Y.shape
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        known = np.ones_like(Y, dtype=bool) if known is None else np.asarray(known, dtype=bool)
        coef = np.zeros((X.shape[1], n_topics))
        self.intercept_ = np.zeros(n_topics)
        self.platt_ = np.zeros((n_topics, 2))
        self.thresholds_ = np.full(n_topics, 0.5)
        self.cv_f1_ = np.full(n_topics, np.nan)
        self.oof_ = []  # (row indices, out-of-fold probability) per topic, for metrics
        steps, step = n_topics * (self.cv + 1), 0
        for t in range(n_topics):
            rows = np.flatnonzero(known[:, t])
            Xt, yt, wt = X[rows], Y[rows, t], w[rows]
            if len(np.unique(yt)) < 2:
                raise ValueError(f"topic {t}: training data need both positive and negative examples")
            oof = np.zeros(len(rows))
            n_splits = int(min(self.cv, np.bincount(yt).min()))
            if n_splits >= 2:
                folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
                for tr, te in folds.split(np.zeros(len(yt)), yt):
                    svc = self._svc().fit(Xt[tr], yt[tr], sample_weight=wt[tr])
                    oof[te] = svc.decision_function(Xt[te])
                    step += 1
                    if progress:
                        progress(step, steps, f"topic {t + 1}/{n_topics}: cross-validation")
                a, b = platt(oof, yt, wt)
            else:  # too few positives to cross-validate: an uncalibrated logistic squash
                a, b = -2.0, 0.0
            step = (t + 1) * (self.cv + 1) - 1
            svc = self._svc().fit(Xt, yt, sample_weight=wt)
            step += 1
            if progress:
                progress(step, steps, f"topic {t + 1}/{n_topics}: final fit")
            coef[:, t] = svc.coef_.ravel()
            self.intercept_[t] = float(svc.intercept_[0])
            self.platt_[t] = (a, b)
            prob = 1.0 / (1.0 + np.exp(a * oof + b))
            if self.tune_thresholds and n_splits >= 2:
                self.thresholds_[t], self.cv_f1_[t] = best_threshold(prob, yt, wt,
                                                                     *self.threshold_bounds)
            else:
                self.cv_f1_[t] = _f1_at(prob, yt, wt, 0.5)
            self.oof_.append((rows, prob))
        self.coef_ = coef.astype(np.float32)  # half the size on disk, same decisions in practice
        self.n_topics_ = n_topics
        return self

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        """Raw SVM margins, (n, T)."""
        return np.asarray(X @ self.coef_, dtype=np.float64) + self.intercept_

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        """Calibrated scores in [0, 1], (n, T); topics are independent, rows need not sum to 1."""
        return self.proba_from_margin(self.decision_function(X))

    def proba_from_margin(self, margin: np.ndarray) -> np.ndarray:
        """Platt's sigmoid applied to SVM margins (n, T)."""
        z = margin * self.platt_[:, 0] + self.platt_[:, 1]
        return 1.0 / (1.0 + np.exp(np.clip(z, -50, 50)))

    def predict(self, X: sp.spmatrix) -> np.ndarray:
        """(n, T) 0/1: score >= the topic's threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(np.int64)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("oof_", None)  # training diagnostics: not needed to predict
        return state

"""Evaluation: the JSON shape the CLI contract fixes, and the arithmetic on a tiny set."""

from __future__ import annotations

import json

import pytest

from nashra.classifier.evaluate import evaluate, score

from .conftest import A, I, S, examples


def test_values_on_a_tiny_set() -> None:
    gold = [frozenset({A}), frozenset({A, S}), frozenset({I}), frozenset()]
    pred = [frozenset({A}), frozenset({A}), frozenset({I, S}), frozenset({A})]
    m = score(gold, pred)
    # arab_world: tp 2, fp 1, fn 0 -> P 2/3, R 1, F1 0.8
    assert m.topics[A].precision == pytest.approx(0.6667, abs=1e-4)
    assert m.topics[A].recall == 1.0 and m.topics[A].f1 == pytest.approx(0.8)
    assert m.topics[A].support == 2
    # international: perfect; security: tp 0, fp 1, fn 1 -> 0
    assert m.topics[I].f1 == 1.0 and m.topics[S].f1 == 0.0 and m.topics[S].support == 1
    assert m.macro_f1 == pytest.approx((0.8 + 1.0 + 0.0) / 3, abs=1e-4)
    # micro: tp 3, fp 2, fn 1 -> 6 / 9
    assert m.micro_f1 == pytest.approx(6 / 9, abs=1e-4)


def test_json_shape(tiny_model) -> None:  # noqa: ANN001
    out = evaluate(tiny_model, examples()).to_json()
    json.dumps(out)
    assert set(out) == {"micro_f1", "macro_f1", "topics"}
    assert set(out["topics"]) == {A, I, S}
    for t in out["topics"].values():
        assert set(t) == {"precision", "recall", "f1", "support"}
        assert 0.0 <= t["f1"] <= 1.0 and isinstance(t["support"], int)
    assert out["macro_f1"] > 0.8  # it has seen these items


def test_length_mismatch() -> None:
    with pytest.raises(ValueError):
        score([frozenset()], [])

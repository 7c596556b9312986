"""On the shared hand-labelled dev set, when this workspace has it (skipped elsewhere)."""

from __future__ import annotations

import pytest

from nashra.classifier.evaluate import evaluate
from nashra.classifier.examples import load_jsonl, load_seeds
from nashra.classifier.train import train

from .conftest import CORPUS


def test_dev_gold_smoke() -> None:
    dev = CORPUS / "dev_gold.jsonl"
    if not dev.exists():
        pytest.skip(f"no shared corpus at {CORPUS}")
    items = load_jsonl(dev, source="dev")
    assert len(items) > 50
    m = evaluate(train(load_seeds()), items)
    # a floor that catches a broken pipeline; the real figures are in bench/classifier.py
    assert m.macro_f1 > 0.6
    assert all(t.f1 > 0.5 for t in m.topics.values())

"""On the shared hand-labelled dev set, when this workspace has it (skipped elsewhere)."""

from __future__ import annotations

import pytest

from nashra.classifier.evaluate import HeldOut, evaluate
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


def test_no_seed_repeats_a_dev_gold_story() -> None:
    """dev_gold is a yardstick only: no seed item may be written from one of its stories."""
    dev = CORPUS / "dev_gold.jsonl"
    if not dev.exists():
        pytest.skip(f"no shared corpus at {CORPUS}")
    gold = load_jsonl(dev, source="dev")
    held_out = HeldOut(gold)
    assert [s.title or s.summary for s in load_seeds() if held_out.seen(s.title, s.summary)] == []
    assert all(held_out.seen(d.title, d.summary) for d in gold[:20])  # the guard does recognise them

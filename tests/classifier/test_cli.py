"""The CLI contract, run end to end through run() as the aggregator's CLI will call it."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from nashra.classifier.cli import add_arguments, run
from nashra.classifier.examples import correction_example, weak_example

from .conftest import ITEMS


def parse(*argv: str) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="nashra")
    add_arguments(ap.add_subparsers(dest="command"))
    return ap.parse_args(["classifier", *argv])


def call(model: Path, *argv: str, extra=None) -> tuple[int, str, str]:  # noqa: ANN001
    out, err = io.StringIO(), io.StringIO()
    rc = run(parse(*argv), model_path=model, extra_examples=extra or [], stdout=out, stderr=err)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> Path:  # noqa: ANN001
    p = tmp_path_factory.mktemp("data") / "extra.jsonl"
    p.write_text("".join(json.dumps({"title": t, "summary": s, "labels": sorted(lab)},
                                    ensure_ascii=False) + "\n" for t, s, lab in ITEMS),
                 encoding="utf-8")
    return p


def test_evaluate_trains_default_model_first(tmp_path: Path, data_file: Path) -> None:
    model = tmp_path / "model.joblib"
    rc, out, err = call(model, "evaluate", "--data", str(data_file), "--json")
    assert rc == 0, err
    assert "no model at" in err and "training the default model" in err
    assert model.exists()
    obj = json.loads(out)
    assert set(obj) == {"micro_f1", "macro_f1", "topics"}
    assert set(obj["topics"]["security"]) == {"precision", "recall", "f1", "support"}
    # second run uses the saved model silently
    rc, out2, err2 = call(model, "evaluate", "--data", str(data_file))
    assert rc == 0 and "no model" not in err2 and "macro-F1" in out2


def test_train_predict_explain(tmp_path: Path, data_file: Path) -> None:
    model = tmp_path / "m.joblib"
    extra = [weak_example("بيان لوزارة الدفاع", "تفاصيل", "security"),
             correction_example("مهرجان التمور", "افتتاح المهرجان", {"arab_world"})]
    rc, out, err = call(model, "train", "--data", str(data_file), "--no-progress", extra=extra)
    assert rc == 0, err
    assert "saved" in out and model.exists()
    meta = json.loads((tmp_path / "m.joblib.json").read_text(encoding="utf-8"))
    assert meta["sources"]["weak"] == 1 and meta["sources"]["correction"] == 1
    rc, out, err = call(model, "predict", "انفجار سيارة مفخخة في بغداد يقتل عشرة أشخاص")
    assert rc == 0, err
    lines = out.strip().splitlines()
    assert len(lines) >= 3
    sec = next(line for line in lines if "security" in line)
    assert sec.startswith("*") and "أمن" in sec
    assert any("العالم العربي" in line for line in lines)
    rc, out, err = call(model, "explain", "--top", "3", "غارات", "جوية", "على", "إدلب")
    assert rc == 0, err
    assert "security (أمن)" in out and ("w:" in out or "c:" in out)


def test_model_flag_overrides_path(tmp_path: Path, data_file: Path) -> None:
    other = tmp_path / "other.joblib"
    second = tmp_path / "second.jsonl"
    second.write_text('{"title": "خبر إضافي عن الرياضة", "labels": []}\n', encoding="utf-8")
    rc, out, err = call(tmp_path / "default.joblib", "train", "--model", str(other),
                        "--no-progress", "--data", str(data_file), str(second))
    assert rc == 0, err
    assert other.exists() and not (tmp_path / "default.joblib").exists()
    meta = json.loads((tmp_path / "other.joblib.json").read_text(encoding="utf-8"))
    assert meta["sources"]["data"] >= 2  # both --data files were read


def test_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x", "labels": ["sport"]}\n', encoding="utf-8")
    model = tmp_path / "model.joblib"
    rc, _, err = call(model, "evaluate", "--data", str(bad))
    assert rc == 2 and f"{bad}:1" in err and "unknown label" in err
    rc, _, err = call(model, "evaluate", "--data", str(tmp_path / "missing.jsonl"))
    assert rc == 2 and "cannot read" in err
    rc, _, err = call(model, "train", "--data", str(bad), "--no-progress")
    assert rc == 2 and "unknown label" in err
    rc, _, err = call(model, "predict", "   ")
    assert rc == 2 and "empty text" in err
    model.write_bytes(b"broken")
    rc, _, err = call(model, "predict", "خبر")
    assert rc == 2 and "corrupt" in err and "nashra classifier train" in err


def test_parser_requires_subcommand() -> None:
    with pytest.raises(SystemExit):
        parse()
    with pytest.raises(SystemExit):
        parse("evaluate")  # --data is required

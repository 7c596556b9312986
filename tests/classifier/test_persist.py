"""Saving and loading: round trip, version refusal, damaged files."""

from __future__ import annotations

import copy
from pathlib import Path

import joblib
import pytest

from nashra.classifier.persist import FORMAT, IncompatibleModel, ModelError, load, save


def test_round_trip(tiny_model, tmp_path: Path) -> None:  # noqa: ANN001
    p = tmp_path / "sub" / "model.joblib"
    save(tiny_model, p)
    assert p.exists() and (tmp_path / "sub" / "model.joblib.json").exists()
    assert not [f for f in p.parent.iterdir() if f.name.endswith(".tmp")]
    back = load(p)
    texts = ["انفجار في بغداد", "مباراة كرة قدم"]
    assert back.predict_scores(texts) == tiny_model.predict_scores(texts)
    assert back.metadata == tiny_model.metadata
    assert back.explain(texts[0]) == tiny_model.explain(texts[0])


def _with_metadata(model, tmp_path: Path, **changes) -> Path:  # noqa: ANN001
    m = copy.copy(model)
    m.metadata = {**model.metadata, **changes}
    p = tmp_path / "model.joblib"
    save(m, p)
    return p


@pytest.mark.parametrize("field, value, words", [
    ("nashra_version", "9.3.0", "Nashra 9.3.0"),
    ("sklearn_version", "0.24.2", "scikit-learn 0.24.2"),
])
def test_incompatible_version_refused(tiny_model, tmp_path: Path, field: str, value: str,
                                      words: str) -> None:  # noqa: ANN001
    p = _with_metadata(tiny_model, tmp_path, **{field: value})
    with pytest.raises(IncompatibleModel) as err:
        load(p)
    assert words in str(err.value) and "nashra classifier train" in str(err.value)


def test_patch_version_is_compatible(tiny_model, tmp_path: Path) -> None:  # noqa: ANN001
    import nashra

    major, minor, *_ = nashra.__version__.split(".")
    p = _with_metadata(tiny_model, tmp_path, nashra_version=f"{major}.{minor}.99")
    load(p)


def test_corrupt_and_truncated(tiny_model, tmp_path: Path) -> None:  # noqa: ANN001
    p = tmp_path / "model.joblib"
    save(tiny_model, p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError) as err:
        load(p)
    assert str(p) in str(err.value) and "Traceback" not in str(err.value)
    p.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ModelError, match="corrupt or truncated"):
        load(p)
    p.write_bytes(b"")
    with pytest.raises(ModelError):
        load(p)


def test_not_a_model_and_missing(tmp_path: Path) -> None:
    p = tmp_path / "other.joblib"
    joblib.dump({"format": "something-else"}, p)
    with pytest.raises(ModelError, match="not a Nashra topic model"):
        load(p)
    joblib.dump({"format": FORMAT, "metadata": {}, "model": b"not a pickle"}, p)
    with pytest.raises(IncompatibleModel):
        load(p)
    with pytest.raises(ModelError, match="no model file"):
        load(tmp_path / "missing.joblib")

"""Saving and loading a TopicModel: joblib, atomic replace, version checks before unpickling.

Layout: the joblib file holds a plain dict ``{"format", "metadata", "model"}`` where ``model`` is the
pickled TopicModel as *bytes*. Loading first reads that dict (plain Python types only, safe across
versions), checks the format and the versions in the metadata, and only then unpickles the model.
So a model from another Nashra minor or scikit-learn version is refused with a clear message
instead of failing somewhere inside scikit-learn's unpickling (which the scikit-learn docs say is
not supported across versions anyway). The metadata is also written next to the model as
``<path>.json`` for people and monitoring; the joblib copy is the one that counts.

Writes go to a temporary file in the same directory, are fsynced, then ``os.replace``d over the
target, so a crash mid-save leaves the old model in place, never half a file.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import joblib
import sklearn

import nashra
from nashra.classifier.model import TopicModel

FORMAT = "nashra-topic-model/1"
RETRAIN = "run `nashra classifier train` to build a new one"


class ModelError(Exception):
    """A model file that cannot be used (missing, corrupt, truncated, not a Nashra model)."""


class IncompatibleModel(ModelError):
    """A model written by a Nashra or scikit-learn version this one cannot safely load."""


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split("+")[0].split(".")[:2])


def save(model: TopicModel, path: str | Path) -> None:
    """Write ``model`` to ``path`` atomically (temp file + fsync + os.replace), metadata alongside."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "metadata": model.metadata,
        "model": pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
    }
    _atomic_write(path, lambda f: joblib.dump(payload, f, compress=("zlib", 3)))
    meta = json.dumps(model.metadata, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _atomic_write(path.with_name(path.name + ".json"), lambda f: f.write(meta.encode("utf-8")))


def _atomic_write(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; a model is not a secret
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata stored in a model file, checked to be a Nashra model (not version-checked)."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: no model file; {RETRAIN}")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a damaged file
        raise ModelError(f"{path}: the model file is corrupt or truncated "
                         f"({type(exc).__name__}); {RETRAIN}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT \
            or not isinstance(payload.get("metadata"), dict) \
            or not isinstance(payload.get("model"), bytes):
        raise ModelError(f"{path}: not a Nashra topic model ({FORMAT}); {RETRAIN}")
    return payload


def check_compatible(metadata: dict[str, Any], path: str | Path = "model") -> None:
    """Raise IncompatibleModel unless Nashra and scikit-learn major.minor match this install."""
    theirs_n = str(metadata.get("nashra_version", "?"))
    theirs_s = str(metadata.get("sklearn_version", "?"))
    if _major_minor(theirs_n) != _major_minor(nashra.__version__):
        raise IncompatibleModel(
            f"{path}: model was trained by Nashra {theirs_n}, this is Nashra "
            f"{nashra.__version__}; {RETRAIN}")
    if _major_minor(theirs_s) != _major_minor(sklearn.__version__):
        raise IncompatibleModel(
            f"{path}: model was trained with scikit-learn {theirs_s}, this install has "
            f"{sklearn.__version__}; {RETRAIN}")


def load(path: str | Path) -> TopicModel:
    """Load a model saved by ``save``; refuse incompatible versions and damaged files."""
    payload = read_metadata(path)
    check_compatible(payload["metadata"], path)
    try:
        model = pickle.loads(payload["model"])
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"{path}: the model inside the file cannot be read "
                         f"({type(exc).__name__}); {RETRAIN}") from None
    if not isinstance(model, TopicModel):
        raise ModelError(f"{path}: not a Nashra topic model; {RETRAIN}")
    return model

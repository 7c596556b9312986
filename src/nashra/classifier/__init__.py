"""Arabic text and topics. Knows nothing about feeds: never import nashra.aggregator here.

Public API (imported lazily, so that ``nashra.classifier.normalize`` stays cheap to import for
code that only needs the matching form):

    Example, TOPICS, TOPIC_LABELS_AR, item_text, load_jsonl, load_seeds, seeds_dir,
    weak_example, correction_example                                   (examples.py)
    TopicModel                                                         (model.py)
    train, ModelConfig                                                 (train.py)
    save, load, ModelError, IncompatibleModel                          (persist.py)
    evaluate, Metrics                                                  (evaluate.py)
    add_arguments, run                                                 (cli.py)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Example": "examples", "TOPICS": "examples", "TOPIC_LABELS_AR": "examples",
    "item_text": "examples", "load_jsonl": "examples", "load_seeds": "examples",
    "seeds_dir": "examples", "weak_example": "examples", "correction_example": "examples",
    "TopicModel": "model", "train": "train", "ModelConfig": "train",
    "save": "persist", "load": "persist", "ModelError": "persist", "IncompatibleModel": "persist",
    "evaluate": "evaluate", "Metrics": "evaluate",
    "add_arguments": "cli", "run": "cli",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"nashra.classifier.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'nashra.classifier' has no attribute {name!r}")

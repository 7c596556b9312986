"""Where the shipped data lives: inside the package when installed from a wheel, else in the source tree."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the shipped folder {name!r} is missing from this installation")


def seeds_dir() -> Path:
    return _find("seeds")


def templates_dir() -> Path:
    return _find("templates")

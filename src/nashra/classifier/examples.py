"""Labelled examples: what the topic model learns from, and where the shipped seed corpus lives.

An example is a feed item as a feed gives it (title + summary) with the set of topics it carries
(see TOPICS.md: independent labels, the empty set means "other"). Examples come from several places
that deserve different trust, so each carries a ``weight`` and a ``source``:

* ``seed``        - the labelled corpus the project writes and ships (``seeds/topics/*.jsonl``);
* ``weak``        - items of a feed whose ``section:`` says what topic it is about (a hint, not the truth);
* ``correction``  - a user's "this story is really X", which must win over everything else;
* ``data``        - a ``--data FILE.jsonl`` given to ``nashra classifier train``.

A weak example often speaks for one topic only: a feed of the "security" section says nothing about
whether an item is Arab-World news. ``known`` names the topics an example gives evidence about; the
other topics' classifiers leave it out instead of learning a false "no". ``None`` means all topics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nashra import resources

TOPICS: tuple[str, ...] = ("arab_world", "international", "security")
"""The topic ids, in the order used everywhere (score columns, reports, outputs)."""

TOPIC_LABELS_AR: dict[str, str] = {
    "arab_world": "العالم العربي",
    "international": "دولي",
    "security": "أمن",
}
"""Arabic labels for display (Atom categories, CLI output)."""

WEAK_WEIGHT = 0.1
"""Default weight of a weak (section-derived) example: noisy labels must not outvote seeds.
Measured on the shared corpus (docs/classifier.md): 0.1 is neutral-to-helpful, 0.3 and above hurt."""

CORRECTION_WEIGHT = 3.0
"""Default weight of a user's correction: it is the truth for that story and should be learned firmly."""


@dataclass(frozen=True)
class Example:
    """One labelled item. ``labels`` is a subset of TOPICS; empty means "other"."""

    title: str
    summary: str
    labels: frozenset[str]
    weight: float = 1.0
    source: str = "seed"
    known: frozenset[str] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.labels) - set(TOPICS)
        if unknown:
            raise ValueError(f"unknown topic(s) {sorted(unknown)}; expected some of {list(TOPICS)}")
        if self.known is not None:
            if set(self.known) - set(TOPICS):
                raise ValueError(f"unknown topic(s) in known: {sorted(set(self.known) - set(TOPICS))}")
            if not set(self.labels) <= set(self.known):
                raise ValueError("labels must be a subset of known")
        if not (self.weight > 0):
            raise ValueError(f"weight must be > 0, got {self.weight!r}")

    @property
    def text(self) -> str:
        """The text the model sees for this item."""
        return item_text(self.title, self.summary)

    def knows(self, topic: str) -> bool:
        """True when this example says something (yes or no) about ``topic``."""
        return self.known is None or topic in self.known


def item_text(title: str, summary: str) -> str:
    """The model's input for an item: title + " . " + summary (both may be empty, as feeds give them)."""
    return f"{title or ''} . {summary or ''}"


def weak_example(title: str, summary: str, topic: str, *, weight: float = WEAK_WEIGHT,
                 source: str = "weak") -> Example:
    """An item from a feed whose section says ``topic``: positive for that topic, silent on the others."""
    return Example(title, summary, frozenset({topic}), weight=weight, source=source,
                   known=frozenset({topic}))


def correction_example(title: str, summary: str, labels: set[str] | frozenset[str], *,
                       weight: float = CORRECTION_WEIGHT) -> Example:
    """A user's correction: the full truth for that item, weighted above seeds, applied last."""
    return Example(title, summary, frozenset(labels), weight=weight, source="correction")


def load_jsonl(path: str | Path, *, source: str = "data", weight: float = 1.0) -> list[Example]:
    """Read ``{"title", "summary", "labels"}`` lines (other keys are ignored).

    Optional per-line ``"weight"`` overrides ``weight``. Blank lines are skipped. A bad line raises
    ValueError naming ``file:line`` and the problem, because these files are written by hand.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    out: list[Example] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not valid JSON ({exc.msg})") from None
        out.append(_example_from_row(row, where, source, weight))
    return out


def _example_from_row(row: object, where: str, source: str, weight: float) -> Example:
    if not isinstance(row, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(row).__name__}")
    title, summary = row.get("title", ""), row.get("summary", "")
    if title is None:
        title = ""
    if summary is None:
        summary = ""
    if not isinstance(title, str) or not isinstance(summary, str):
        raise ValueError(f"{where}: title and summary must be strings")
    if not title.strip() and not summary.strip():
        raise ValueError(f"{where}: empty item (no title and no summary)")
    if "labels" not in row:
        raise ValueError(f"{where}: missing \"labels\" (a list of {', '.join(TOPICS)}; [] for other)")
    labels = row["labels"]
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ValueError(f"{where}: \"labels\" must be a list of strings, got {labels!r}")
    bad = [x for x in labels if x not in TOPICS]
    if bad:
        raise ValueError(f"{where}: unknown label(s) {bad}; allowed: {', '.join(TOPICS)}")
    if len(set(labels)) != len(labels):
        raise ValueError(f"{where}: repeated label in {labels!r}")
    w = row.get("weight", weight)
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not w > 0:
        raise ValueError(f"{where}: \"weight\" must be a positive number, got {w!r}")
    return Example(title.strip(), summary.strip(), frozenset(labels), weight=float(w), source=source)


def seeds_dir() -> Path:
    """The shipped topic seed corpus (inside the package when installed from a wheel, else in the repo)."""
    return resources.seeds_dir() / "topics"


def load_seeds(directory: str | Path | None = None) -> list[Example]:
    """All ``*.jsonl`` files of the seed corpus, in file-name order (so training is reproducible)."""
    d = Path(directory) if directory is not None else seeds_dir()
    files = sorted(d.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no seed corpus (*.jsonl) in {d}")
    out: list[Example] = []
    for f in files:
        out.extend(load_jsonl(f, source="seed"))
    return out

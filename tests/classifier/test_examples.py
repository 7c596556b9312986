"""Examples: JSONL loading with errors that name file:line, the seed corpus location."""

from __future__ import annotations

from pathlib import Path

import pytest

from nashra.classifier.examples import (TOPICS, Example, item_text, load_jsonl, load_seeds,
                                        seeds_dir, weak_example)


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "data.jsonl"
    p.write_text(text, encoding="utf-8")
    return p


def test_load_good_file(tmp_path: Path) -> None:
    p = write(tmp_path, '{"title": "عنوان", "summary": "ملخص", "labels": ["security"]}\n\n'
                        '{"title": "", "summary": "ملخص فقط", "labels": [], "id": "x"}\n'
                        '{"title": "وزن", "labels": ["arab_world"], "weight": 2}\n')
    ex = load_jsonl(p)
    assert [e.labels for e in ex] == [frozenset({"security"}), frozenset(), frozenset({"arab_world"})]
    assert ex[2].weight == 2.0 and ex[2].summary == ""
    assert ex[0].source == "data"


@pytest.mark.parametrize("line, problem", [
    ("{not json", "not valid JSON"),
    ('["a"]', "expected a JSON object"),
    ('{"title": "x"}', 'missing "labels"'),
    ('{"title": "x", "labels": ["sports"]}', "unknown label"),
    ('{"title": "x", "labels": "security"}', "must be a list"),
    ('{"title": "x", "labels": ["security", "security"]}', "repeated label"),
    ('{"title": "", "summary": " ", "labels": []}', "empty item"),
    ('{"title": 3, "labels": []}', "must be strings"),
    ('{"title": "x", "labels": [], "weight": 0}', "positive number"),
])
def test_bad_lines_name_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    p = write(tmp_path, '{"title": "سطر جيد", "labels": []}\n' + line + "\n")
    with pytest.raises(ValueError) as err:
        load_jsonl(p)
    assert f"{p}:2" in str(err.value) and problem in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_jsonl(tmp_path / "nope.jsonl")


def test_example_validation() -> None:
    with pytest.raises(ValueError):
        Example("t", "s", frozenset({"sports"}))
    with pytest.raises(ValueError):
        Example("t", "s", frozenset({"security"}), weight=0)
    w = weak_example("t", "s", "security")
    assert w.knows("security") and not w.knows("arab_world") and w.weight < 1
    assert item_text("عنوان", "ملخص") == "عنوان . ملخص"


def test_seed_corpus_is_found_and_valid() -> None:
    d = seeds_dir()
    assert d.name == "topics" and d.is_dir()
    seeds = load_seeds()
    assert len(seeds) > 100
    for t in TOPICS:
        assert any(t in e.labels for e in seeds)
    assert any(not e.labels for e in seeds)

"""The batch (numpy) forms must equal the string functions of normalize.py."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from nashra.classifier.fastnorm import decode_items, encode
from nashra.classifier.normalize import light_clean, match_key

_TOKEN = re.compile(r"\w+")

ARABISH = st.text(
    alphabet=st.sampled_from(
        list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي ءآأؤإئةى") + ["\u064b", "\u0650", "\u0651", "\u0640",
        "\u200f", "\u202b", "\u202c", "\u200c", "٣", "۴", "ک", "ی", "ﻻ", "ﷺ", "،", ".", "!", "_",
        " ", "\n", "\t", "\xa0", "a", "B", "é", "İ", "Σ", "😀", "\x00", "-", "«", "»", "#", "@"]),
    max_size=60)


def check(texts: list[str]) -> None:
    light, match = encode(texts)
    assert decode_items(match) == [match_key(t) for t in texts]
    assert [_TOKEN.findall(s) for s in decode_items(light)] == \
        [_TOKEN.findall(light_clean(t)) for t in texts]


@settings(max_examples=200, deadline=None)
@given(st.lists(ARABISH, max_size=6))
def test_same_as_string_functions_arabic(texts: list[str]) -> None:
    check(texts)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=5))
def test_same_as_string_functions_any_text(texts: list[str]) -> None:
    check(texts)


def test_examples() -> None:
    check(["", "  ", "الْعَرَبِيّةُ ﻻ \u200fالرياض\u202c ٢٠١٥ 😀", "İstanbul ΑΣ Σ", "a\x00b"])

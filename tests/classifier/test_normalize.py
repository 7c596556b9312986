"""The matching form and friends (cases from the research note, section 1.4 and 1.5)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nashra.classifier.normalize import feed_clean, light_clean, match_key, normalize


def test_note_cases() -> None:
    assert normalize("إسلامـــي") == "اسلامي"  # hamza alef folded, tatweel gone
    assert normalize("مستشفى") == "مستشفي"  # alef maksura -> yaa
    # this project folds hamza on waw/yaa too (the note would keep them): matching, not display
    assert normalize("سؤال") == "سوال"
    assert normalize("الأئمة") == "الايمه"  # teh marbuta folded as well
    assert normalize("ٱلرحمن") == "الرحمن"  # alef wasla
    assert normalize("ﺍﻟﻌﺮﺑﻴﺔ") == "العربيه"  # presentation forms
    assert normalize("کتاب ی") == "كتاب ي"  # Persian keheh and yeh
    assert normalize("\u200fالرياض\u202c") == "الرياض"  # bidi controls
    assert normalize("٢٠١٥ ۲۰۱۵") == "2015 2015"  # both digit sets


def test_edges() -> None:
    assert normalize("") == "" and match_key("") == "" and light_clean("") == ""
    assert normalize("Paris باريس") == "paris باريس"
    assert normalize("\u202bعاجل: قمة\u202c") == "عاجل: قمه"  # a title wrapped in RLE ... PDF
    assert "ريال" in normalize("﷼")  # NFKC expands the rial sign; Farsi yeh folded after
    assert "الله" in normalize("ﷺ")  # a ligature expands into letters
    assert normalize("الْعَرَبِيَّةُ") == "العربيه"  # harakat removed before any tokenising


def test_light_clean_keeps_letters_for_the_stemmer() -> None:
    assert light_clean("الحكومةُ الأردنيّة") == "الحكومة الأردنية"


def test_match_key_drops_punctuation() -> None:
    assert match_key("«عاجل»: قمة، في الرياض!") == "عاجل قمه في الرياض"


@given(st.text())
def test_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    key = match_key(text)
    assert match_key(key) == key


def test_feed_clean() -> None:
    out = feed_clean("RT @AJABreaking: عاجل | #هونغ_كونغ تحتج https://t.co/x1 www.example.net/a")
    assert "@" not in out and "http" not in out and "www" not in out
    assert "هونغ كونغ" in out and "عاجل" in out
    assert feed_clean("") == ""
    assert feed_clean("خبر عادي") == "خبر عادي"

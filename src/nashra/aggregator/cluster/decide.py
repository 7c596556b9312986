"""Which story a new item joins: a pure decision over its verified candidates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nashra.classifier.normalize import match_key

from .places import about_other_countries
from .terms import Terms, cosine, name_overlap

SAME_STORY_JACCARD = 0.5  # char-5 Jaccard of title + lede; 19/20 same-story by manual judgement at 0.5-0.6
MAX_STORY_ITEMS = 50  # a cap against run-away chaining (one boilerplate story swallowing a day)
# The reworded tier, tuned on the project's labelled pairs (bench/cluster.py): one event in other words.
REWORDED_NAMES = 0.7  # Jaccard of the names mentioned, more than 2/3: the same places, people and bodies
REWORDED_COSINE = 0.4  # TF-IDF cosine of the stems: much the same content words


_WEEKDAYS = frozenset({"الاحد", "الاثنين", "الثلاثاء", "الاربعاء", "الخميس", "الجمعه", "السبت"})
# single-word month names of every calendar Arabic outlets use, in the matching form (two-word Levantine
# names are caught by their second word only when it is unambiguous, so they are left out)
_MONTHS = frozenset(match_key(m) for m in (
    "يناير", "فبراير", "مارس", "أبريل", "ابريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
    "نوفمبر", "ديسمبر", "جانفي", "فيفري", "أفريل", "جوان", "جويلية", "أوت", "شباط", "آذار", "نيسان", "أيار",
    "حزيران", "تموز", "أيلول"))
_CALENDAR = _WEEKDAYS | _MONTHS
_NUMBER = re.compile(r"\d+")


def calendar_words(text: str) -> frozenset[str]:
    """Weekday and month names in a matching-form text (the day or month an edition is about)."""
    return frozenset(w for w in text.split() if w in _CALENDAR)


def figures(text: str) -> frozenset[str]:
    """The numbers of a matching-form text (digits are already ASCII there)."""
    return frozenset(_NUMBER.findall(text))


def same_template_other_day(a: str, b: str) -> bool:
    """Two editions of a recurring item — a daily briefing, prices, weather, a market close — share most words
    but not their day or their figures: they are different stories however similar their shingles are.
    An agency copy keeps both (figures may be reworded, but rarely all of them). Likewise one template told of
    two countries (places.py)."""
    if about_other_countries(a, b):
        return True
    days_a, days_b = calendar_words(a), calendar_words(b)
    if days_a and days_b and not days_a & days_b:
        return True
    figs_a, figs_b = figures(a), figures(b)
    if not (figs_a and figs_b):
        return False
    shared = len(figs_a & figs_b)
    return shared == 0 or (min(len(figs_a), len(figs_b)) >= 2 and shared / len(figs_a | figs_b) < 0.5)


def same_event(a: Terms, b: Terms, names: float = REWORDED_NAMES, words: float = REWORDED_COSINE) -> bool:
    """One event told in other words: the same names (Jaccard over 2/3) and much the same content words.
    Two events of one kind in two places differ in their names; two events in one place, in their words."""
    return name_overlap(a, b) >= names and cosine(a, b) >= words


@dataclass(frozen=True)
class Candidate:
    item_id: int
    story_id: int
    similarity: float
    story_size: int


def choose_story(candidates: list[Candidate], threshold: float = SAME_STORY_JACCARD,
                 max_size: int = MAX_STORY_ITEMS) -> Candidate | None:
    """The most similar candidate at or above the threshold whose story still has room; None: a new story."""
    best = None
    for cand in candidates:
        if cand.similarity < threshold or cand.story_size >= max_size:
            continue
        if best is None or (cand.similarity, -cand.item_id) > (best.similarity, -best.item_id):
            best = cand
    return best

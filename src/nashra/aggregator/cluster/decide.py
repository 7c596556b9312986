"""Which story a new item joins: a pure decision over its verified candidates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nashra.classifier.normalize import match_key

from .places import countries
from .terms import Terms, containment, names_within

SAME_STORY_JACCARD = 0.5  # char-5 Jaccard of title + lede; 19/20 same-story by manual judgement at 0.5-0.6
MAX_STORY_ITEMS = 50  # a cap against run-away chaining (one boilerplate story swallowing a day)
# The retelling tier, tuned on the project's labelled pairs (bench/cluster.py): one event told again.
RETOLD_CONTAINMENT = 0.35  # share of the shorter telling's weighted stems that the other uses too
RETOLD_UNNAMED = 0.5  # the same when either names nothing (no names to tell two events of a kind apart)
FIGURES_SIMILARITY = 0.3  # char-5 similarity from which other figures mean another edition, not an update


_WEEKDAYS = {w: w for w in ("الاحد", "الاثنين", "الثلاثاء", "الاربعاء", "الخميس", "الجمعه", "السبت")}
# month names of every calendar Arabic outlets use, as the month's number: جانفي، يناير and كانون الثاني are one
_MONTHS = {match_key(name): str(number) for number, names in enumerate((
    "يناير جانفي", "فبراير فيفري شباط", "مارس آذار", "أبريل ابريل أفريل نيسان", "مايو أيار", "يونيو جوان حزيران",
    "يوليو جويلية تموز", "أغسطس أوت", "سبتمبر أيلول", "أكتوبر", "نوفمبر", "ديسمبر"), 1) for name in names.split()}
_TWO_WORD_MONTHS = {match_key(name): str(number) for name, number in (
    ("تشرين الأول", 10), ("تشرين الثاني", 11), ("كانون الأول", 12), ("كانون الثاني", 1))}
_MONTH_FIRST = frozenset(pair.split()[0] for pair in _TWO_WORD_MONTHS)
_CALENDAR = _WEEKDAYS | _MONTHS
# which round, leg, session or day of a series an edition is about (الدور الأول، ذهاب، الجولة الخامسة), the
# feminine form as the masculine (للسنة الثانية، للعام الثاني)
_ORDINALS = {match_key(f): match_key(m) for m, f in (
    ("الأول", "الأولى"), ("الثاني", "الثانية"), ("الثالث", "الثالثة"), ("الرابع", "الرابعة"), ("الخامس", "الخامسة"),
    ("السادس", "السادسة"), ("السابع", "السابعة"), ("الثامن", "الثامنة"), ("التاسع", "التاسعة"),
    ("العاشر", "العاشرة"), ("الأخير", "الأخيرة"), ("ذهاب", "الذهاب"), ("إياب", "الإياب"))}
_ORDINALS.update({m: m for m in set(_ORDINALS.values())})
_NUMBER = re.compile(r"\d+")
# A roundup of the day's news holds the words of every story it lists, and a recurring bulletin (weather,
# prices, a 24-hour tally, prayer times, a league table) the words of every other edition: neither is a
# retelling of anything (a copy of the same edition is still caught by its shingles).
_EDITION = re.compile(
    r"^(?:(?:ابرز|اهم) (?:الاخبار|اخبار|الاحداث|احداث|العناوين|عناوين)|(?:موجز|حصاد|ملخص|جوله) "
    r"|حاله الطقس|توقعات الطقس|الطقس|طقس|نشره جويه|اسعار|سعر|مواقيت الصلاه|موعد اذان|ترتيب الدوري|جدول ترتيب"
    r"|اغلاق البورصه)|خلال (?:ال)?24 ساعه")


def calendar_words(text: str) -> frozenset[str]:
    """The weekdays and months a matching-form text names (the day or month an edition is about); months as
    their number, whichever calendar names them."""
    words = [w if w in _CALENDAR or w[:1] not in "وبلف" else w[1:] for w in text.split()]  # بأيلول، والأحد
    found = {_CALENDAR[w] for w in words if w in _CALENDAR}
    return frozenset(found | {_TWO_WORD_MONTHS[pair] for pair in map(" ".join, zip(words, words[1:]))
                              if pair in _TWO_WORD_MONTHS})


def ordinal_words(text: str) -> frozenset[str]:
    """Ordinals and legs in a matching-form text: which round, leg or session of a series an edition is about
    (not the month تشرين الأول)."""
    words = text.split()
    return frozenset(_ORDINALS[w] for before, w in zip(["", *words], words)
                     if w in _ORDINALS and before not in _MONTH_FIRST)


def figures(text: str) -> frozenset[str]:
    """The numbers of a matching-form text (digits are already ASCII there)."""
    return frozenset(_NUMBER.findall(text))


@dataclass(frozen=True)
class Marks:
    """What tells one edition of a recurring item from another: the countries, days, rounds and figures a story
    text names (computed once per item, where it is parsed)."""

    countries: frozenset[str]
    days: frozenset[str]
    rounds: frozenset[str]
    figures: frozenset[str]


def marks(text: str) -> Marks:
    return Marks(countries(text), calendar_words(text), ordinal_words(text), figures(text))


def other_edition(a: Marks, b: Marks, by_figures: bool = True) -> bool:
    """Two editions of a recurring item — a daily briefing, prices, weather, a market close — share most words
    but not their day or their figures: they are different stories however similar their shingles are.
    An agency copy keeps both (figures may be reworded, but rarely all of them). Likewise one template told of
    two countries (places.py). `by_figures=False`: the figures are not asked (an update's toll changes)."""
    for mine, theirs in ((a.countries, b.countries), (a.days, b.days), (a.rounds, b.rounds)):
        if mine - theirs and theirs - mine:  # each names a country, day or round the other does not
            return True
    if not by_figures or not (a.figures and b.figures):
        return False
    shared = len(a.figures & b.figures)
    return shared == 0 or (min(len(a.figures), len(b.figures)) >= 2 and shared / len(a.figures | b.figures) < 0.5)


def same_template_other_day(a: str, b: str, by_figures: bool = True) -> bool:
    """`other_edition` of two matching-form story texts."""
    return other_edition(marks(a), marks(b), by_figures)


def edition(title: str) -> bool:
    """A matching-form title of a roundup (أبرز أخبار الجمعة) or a recurring bulletin (حالة الطقس، أسعار الذهب)."""
    return _EDITION.search(title) is not None


def same_event(a: Terms, b: Terms, words: float = RETOLD_CONTAINMENT) -> bool:
    """One event told again — in other words, more fully, or hours later: the other telling names every name of
    the one that names fewer, and uses much of the shorter one's content words (by weight; more when either
    names nothing). Two events of one kind in two places differ in their names; two events in one place, in
    their words."""
    if not (a.names and b.names):
        words = max(words, RETOLD_UNNAMED)
    return names_within(a, b) and containment(a, b) >= words


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

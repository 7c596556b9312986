"""What a story is about, for the retelling tier: the names it mentions and its weighted word stems.

Two outlets that tell one event in their own words share few char 5-grams (median Jaccard 0.18 on the
project's labelled pairs), but they name the same places, people and bodies and use many of the same
content words. Names come from the classifier's gazetteer (places, people, forces, bodies), one spelling
per name; stems are Snowball Arabic stems of the matching form, weighted by TF-IDF with document
frequencies from the shipped seed corpus (about 4,100 items of every kind of news), so common words weigh
little. Pure functions over texts; the tables are built once per process.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from nashra.classifier.examples import load_seeds
from nashra.classifier.gazetteer import Gazetteer, canonical

from .minhash import index_key, story_text

KEYED_NAMES = 2  # an item's rarest names that key it
KEYED_STEMS = 4  # and its title's rarest stems (a telling without names, or naming other places, still meets)


# One name however it is written: `canonical` folds spelling and demonyms, not another name for the same thing.
_SAME_NAME = """
أمريكا أميركا الولايات_المتحدة أمريكي أميركي
بريطانيا المملكة_المتحدة بريطاني
السعودية المملكة_العربية_السعودية
تركيا الأتراك
روسيا الروس
غزة قطاع_غزة
الأقصى المسجد_الأقصى
مكة مكة_المكرمة
بورسعيد بور_سعيد
إقليم_كردستان كردستان_العراق
الجامعة_العربية جامعة_الدول_العربية
مجلس_التعاون_الخليجي مجلس_التعاون
الناتو حلف_الناتو حلف_شمال_الأطلسي
داعش تنظيم_الدولة تنظيم_الدولة_الإسلامية
القاعدة تنظيم_القاعدة
الحوثي أنصار_الله
ترامب ترمب
"""
# The seat of a government speaks for its state (أنقرة، بكين): naming it names the state too. Capitals whose
# name is another place's too (عمان، طرابلس) are left out.
_SEATS = """
مصر: القاهرة
السعودية: الرياض
الإمارات: أبوظبي
قطر: الدوحة
البحرين: المنامة
سلطنة_عمان: مسقط
اليمن: صنعاء
العراق: بغداد
سوريا: دمشق
لبنان: بيروت
فلسطين: رام_الله
السودان: الخرطوم
المغرب: الرباط
موريتانيا: نواكشوط
الصومال: مقديشو
جزر_القمر: موروني
إسرائيل: تل_أبيب
تركيا: أنقرة
إيران: طهران
روسيا: موسكو الكرملين
أمريكا: واشنطن البيت_الأبيض البنتاغون الكونغرس
الصين: بكين
اليابان: طوكيو
الهند: نيودلهي
باكستان: إسلام_آباد
أفغانستان: كابل
بريطانيا: لندن داونينغ_ستريت
فرنسا: باريس الإليزيه
ألمانيا: برلين
إيطاليا: روما
إسبانيا: مدريد
أوكرانيا: كييف
بولندا: وارسو
السويد: ستوكهولم
النرويج: أوسلو
الدنمارك: كوبنهاغن
فنلندا: هلسنكي
اليونان: أثينا
النمسا: فيينا
البرتغال: لشبونة
المجر: بودابست
رومانيا: بوخارست
صربيا: بلغراد
كندا: أوتاوا
البرازيل: برازيليا
الأرجنتين: بوينس_آيرس
فنزويلا: كاراكاس
كولومبيا: بوغوتا
كوبا: هافانا
أستراليا: كانبيرا
إندونيسيا: جاكرتا
ماليزيا: كوالالمبور
الفلبين: مانيلا
تايلاند: بانكوك
فيتنام: هانوي
بنغلاديش: دكا
كوريا_الشمالية: بيونغ_يانغ
تايوان: تايبيه
نيجيريا: أبوجا
إثيوبيا: أديس_أبابا
كينيا: نيروبي
النيجر: نيامي
تشاد: أنجامينا
بوركينا_فاسو: واغادوغو
السنغال: داكار
الكونغو: كينشاسا
أوغندا: كمبالا
رواندا: كيغالي
إريتريا: أسمرة
جنوب_السودان: جوبا
أذربيجان: باكو
أرمينيا: يريفان
جورجيا: تبليسي
بيلاروسيا: مينسك
قبرص: نيقوسيا
"""


def _name(word: str) -> str:
    return canonical(word.replace("_", " "))


@lru_cache(maxsize=1)
def _name_tables() -> tuple[dict[str, str], dict[str, str]]:
    """Another name -> the one kept; a seat of government -> its state (both as `canonical` names)."""
    same = {_name(other): _name(line.split()[0]) for line in _SAME_NAME.split("\n") for other in line.split()[1:]}
    seats = {}
    for line in filter(None, _SEATS.split("\n")):
        state, _, places = line.partition(":")
        for place in places.split():
            seats[_name(place)] = same.get(_name(state), _name(state))
    return same, seats


def _named(mentioned: frozenset[str]) -> frozenset[str]:
    """The names a story mentions, one name per thing, and the states whose seats it names."""
    same, seats = _name_tables()
    names = {same.get(name, name) for name in mentioned}
    return frozenset(names | {seats[name] for name in names if name in seats})


@dataclass(frozen=True)
class Terms:
    names: frozenset[str]
    weights: dict[str, float]  # stem -> TF-IDF weight, l2-normalised


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("arabic")


@lru_cache(maxsize=1)
def _gazetteer() -> Gazetteer:
    return Gazetteer(names=True, files=None)  # towns too: the more names, the surer a retelling


_STEMS: dict[str, str] = {}  # word -> stem: news repeats its words, and a lookup is 20x cheaper than the stemmer


def _stems(words: list[str]) -> list[str]:
    missing = [word for word in set(words) if word not in _STEMS]
    if missing:
        if len(_STEMS) > 500_000:
            _STEMS.clear()
        _STEMS.update(zip(missing, _stemmer().stemWords(missing)))
    return [_STEMS[word] for word in words]


@dataclass(frozen=True)
class _Weights:
    """From the seed corpus: each stem's inverse document frequency (and an unseen stem's), and in how many
    items each name occurs."""

    idf: dict[str, float]
    unseen: float
    name_counts: Counter[str]


@lru_cache(maxsize=1)
def _weights() -> _Weights:
    seeds = load_seeds()
    texts = [story_text(example.title, example.summary) for example in seeds]
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(_stems(text.split())))
    names: Counter[str] = Counter()
    for mentioned in _gazetteer().mentions(texts):
        names.update(_named(mentioned))
    n = len(seeds)
    return _Weights({stem: math.log((n + 1) / (count + 1)) + 1.0 for stem, count in df.items()}, math.log(n + 1) + 1.0,
                    names)


def story_terms(texts: list[str]) -> list[Terms]:
    """The Terms of each story text (minhash.story_text: the matching form of title + lede)."""
    weights_of = _weights()
    idf, unseen = weights_of.idf, weights_of.unseen
    names = _gazetteer().mentions(texts) if texts else []
    out = []
    for text, mentioned in zip(texts, names):
        counts = Counter(_stems(text.split()))
        weights = {stem: (1.0 + math.log(n)) * idf.get(stem, unseen) for stem, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        out.append(Terms(_named(mentioned), {stem: w / norm for stem, w in weights.items()}))
    return out


def names_within(a: Terms, b: Terms) -> bool:
    """Every name of the story that names fewer is named by the other too (a fuller telling adds names; another
    event in the same region names another town). True when either names none."""
    fewer, more = (a.names, b.names) if len(a.names) <= len(b.names) else (b.names, a.names)
    return fewer <= more


def containment(a: Terms, b: Terms) -> float:
    """How much of the shorter story (fewer stems) the other tells: the share of its TF-IDF stem weight on stems
    the other uses too. A flash inside its fuller version, or an update inside its first report, scores high
    though their cosine is low (the fuller one has much else)."""
    short, other = (a.weights, b.weights) if len(a.weights) <= len(b.weights) else (b.weights, a.weights)
    total = sum(short.values())
    return sum(short[stem] for stem in short.keys() & other.keys()) / total if total else 0.0


def retell_keys(terms: Terms, title: str) -> tuple[int, ...]:
    """The index keys under which tellings of one event meet: the story's two rarest names (by how many seed
    items name them) and the four rarest stems of its title (by seed IDF; `title`: its story text), so a fuller
    telling that names one more place, or one that names nothing, still meets the first, while common names and
    words (مصر، تونس، قال) stay out of the way. A headline says what the event is; its lede adds what is new."""
    weights = _weights()
    names = sorted(terms.names, key=lambda name: (weights.name_counts[name], name))[:KEYED_NAMES]
    stems = sorted(set(_stems(title.split())), key=lambda stem: (-weights.idf.get(stem, weights.unseen), stem))
    return (*(index_key(name, b"nashra-names") for name in names),
            *(index_key(stem, b"nashra-stems") for stem in stems[:KEYED_STEMS]))

"""What a story is about, for the reworded tier: the names it mentions and its weighted word stems.

Two outlets that tell one event in their own words share few char 5-grams (median Jaccard 0.18 on the
project's labelled pairs), but they name the same places, people and bodies and use many of the same
content words. Names come from the classifier's gazetteer (places, people, forces, bodies), one spelling
per name; stems are Snowball Arabic stems of the matching form, weighted by TF-IDF with document
frequencies from the shipped seed corpus (about 3,800 items of every kind of news), so common words weigh
little. Pure functions over texts; the tables are built once per process.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from nashra.classifier.examples import load_seeds
from nashra.classifier.gazetteer import Gazetteer

from .minhash import index_key, story_text

KEYED_NAMES = 2  # an item's rarest names that key it


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
        names.update(mentioned)
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
        out.append(Terms(mentioned, {stem: w / norm for stem, w in weights.items()}))
    return out


def cosine(a: Terms, b: Terms) -> float:
    shared = a.weights.keys() & b.weights.keys()  # a set operation in C: only shared stems are multiplied
    return sum(a.weights[stem] * b.weights[stem] for stem in shared)


def name_overlap(a: Terms, b: Terms) -> float:
    """Jaccard of the names two stories mention; 0 when either names none."""
    if not a.names or not b.names:
        return 0.0
    return len(a.names & b.names) / len(a.names | b.names)


def name_keys(names: frozenset[str]) -> tuple[int, ...]:
    """The index keys under which stories naming the same names meet: their two rarest names (by how many seed
    items name them), so a retelling that names one more place or says the country as well still meets the
    original, while the keys of common names (مصر، تونس) stay out of the way. On the labelled pairs this finds
    as many retellings as a key per pair of names (recall 0.68), with 2 index rows per item instead of up to 15."""
    counts = _weights().name_counts
    rarest = sorted(names, key=lambda name: (counts[name], name))[:KEYED_NAMES]
    return tuple(index_key(name, b"nashra-names") for name in rarest)

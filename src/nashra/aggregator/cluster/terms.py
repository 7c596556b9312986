"""What a story is about, for the reworded tier: the names it mentions and its weighted word stems.

Two outlets that tell one event in their own words share few char 5-grams (median Jaccard 0.18 on the
project's labelled pairs), but they name the same places, people and bodies and use many of the same
content words. Names come from the classifier's gazetteer (places, people, forces, bodies), one spelling
per name; stems are Snowball Arabic stems of the matching form, weighted by TF-IDF with document
frequencies from the shipped seed corpus (about 3,800 items of every kind of news), so common words weigh
little. Pure functions over texts; the tables are built once per process.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import Stemmer

from nashra.classifier.examples import load_seeds
from nashra.classifier.gazetteer import Gazetteer

from .minhash import story_text

MAX_NAMES_KEYED = 6  # names of an item that make its name keys (15 pairs at most)


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


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    """Inverse document frequency of each stem over the seed corpus, and the weight of an unseen stem."""
    seeds = load_seeds()
    df: Counter[str] = Counter()
    for example in seeds:
        df.update(set(_stemmer().stemWords(story_text(example.title, example.summary).split())))
    n = len(seeds)
    return {stem: math.log((n + 1) / (count + 1)) + 1.0 for stem, count in df.items()}, math.log(n + 1) + 1.0


def story_terms(texts: list[str]) -> list[Terms]:
    """The Terms of each story text (minhash.story_text: the matching form of title + lede)."""
    idf, unseen = _idf()
    names = _gazetteer().mentions(texts) if texts else []
    out = []
    for text, mentioned in zip(texts, names):
        counts = Counter(_stemmer().stemWords(text.split()))
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
    """Index keys under which stories naming the same names meet: the name itself for a story of one name,
    each pair of names otherwise. Two stories whose name Jaccard is over 2/3 share one of these keys
    (one name: the other has that name alone; two or more: they share at least two)."""
    chosen = sorted(names)[:MAX_NAMES_KEYED]
    groups = [chosen] if len(chosen) == 1 else [list(pair) for pair in combinations(chosen, 2)]
    return tuple(_key("\x1f".join(group)) for group in groups)


def _key(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=b"nashra-names").digest()
    return int.from_bytes(digest, "big") >> 1  # signed 63-bit, like the band keys

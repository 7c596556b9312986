"""Char 5-gram shingles, MinHash signatures and LSH band keys: pure functions, numpy, deterministic.

Everything here must give the same numbers in every process and on every machine, because band keys are
stored and compared across restarts and workers: no Python `hash()`, fixed seeds.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from nashra.classifier.normalize import match_key

NUM_PERM = 128
BANDS, ROWS = 32, 4  # LSH threshold about (1/32)^(1/4) = 0.42: P(candidate) is 0.87 at Jaccard 0.5, 0.99 at 0.6; few random candidates (O(1) per query)
SHINGLE = 5
LEDE_WORDS = 40
TITLE_KEY_MIN_WORDS = 4
_PRIME = np.uint64((1 << 31) - 1)  # Mersenne prime; a*h < 2^62 never overflows uint64
_rng = np.random.RandomState(1)
# (a*h + b) mod p with a, b, h < p = 2^31 - 1: exact universal hashing, no 64-bit wrap-around.
_A = _rng.randint(1, (1 << 31) - 1, size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, (1 << 31) - 1, size=NUM_PERM, dtype=np.uint64)
_BAND_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
                     dtype=np.uint64)
_POWERS = (np.uint64(1000003) ** np.arange(SHINGLE, dtype=np.uint64)).astype(np.uint64)

# Words that only announce the format of a story; they are dropped from the title before matching.
_BOILERPLATE = re.compile(
    r"^(?:\s*(?:عاجل|خاص|حصري|شاهد|فيديو|بالفيديو|صور|بالصور|مباشر|تحديث|محدث|ترجمات|متابعة|breaking|video)"
    r"\s*[:|\-–—ـ/]*\s*)+",
    re.IGNORECASE,
)


# Foreign names that outlets spell two ways beyond what the matching form folds (أمريكي / أميركي)
_SPELLINGS = re.compile(r"اميرك|ترمب")
_SPELLING = {"اميرك": "امريك", "ترمب": "ترامب"}


def _one_spelling(text: str) -> str:
    return _SPELLINGS.sub(lambda m: _SPELLING[m.group()], text)


def story_title(title: str) -> str:
    """The matching form of a title without its format words."""
    return _one_spelling(match_key(_BOILERPLATE.sub("", match_key(title)))).strip()


def lede(text: str) -> str:
    """The matching form of the first LEDE_WORDS words of an item's text."""
    return " ".join(_one_spelling(match_key(text)).split()[:LEDE_WORDS])


def story_text(title: str, text: str) -> str:
    """The matching form of a story: title without format words, then the first words of the text."""
    return headed_text(story_title(title), text)


def headed_text(head: str, text: str) -> str:
    """`story_text` for a title already in its `story_title` form (`head`), which the title key reuses."""
    return f"{head} {lede(text)}".strip()


def title_key(head: str) -> int | None:
    """A key shared by items with the same title (format words aside; `head`: its `story_title`), stored beside
    the band keys.

    Outlets often run a wire story as a bare headline: its shingles are all inside the full copy, but the
    Jaccard of the two is low, so their bands rarely meet. The same headline makes them candidates; the
    containment check in `similarity` still decides. Titles of under four words (a bare "أخبار") give none."""
    return index_key(head, b"nashra-title") if len(head.split()) >= TITLE_KEY_MIN_WORDS else None


def index_key(text: str, kind: bytes) -> int:
    """A key of the band index for a text (a title, a name): signed 63-bit like the band keys, and `kind`
    (a blake2b personalisation) keeps the keys of different kinds apart."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=kind).digest()
    return int.from_bytes(digest, "big") >> 1


def shingles(text: str) -> np.ndarray:
    """Sorted unique 32-bit hashes of the char 5-grams of `text` (the whole text if shorter)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) == 0:
        return np.zeros(0, dtype=np.uint32)
    if len(codes) < SHINGLE:
        codes = np.concatenate([codes, np.zeros(SHINGLE - len(codes), dtype=np.uint64)])
    windows = np.lib.stride_tricks.sliding_window_view(codes, SHINGLE)
    hashed = (windows * _POWERS).sum(axis=1, dtype=np.uint64)
    folded = (hashed ^ (hashed >> np.uint64(29)) ^ (hashed >> np.uint64(47))) & np.uint64(0xFFFFFFFF)
    return np.unique(folded.astype(np.uint32))


def signature(shingle_hashes: np.ndarray) -> np.ndarray:
    """MinHash signature (NUM_PERM uint32) of a shingle set; all-ones for an empty set."""
    if len(shingle_hashes) == 0:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    values = (shingle_hashes.astype(np.uint64) % _PRIME)[:, None]
    return ((values * _A + _B) % _PRIME).min(axis=0).astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 63-bit key per band: equal keys mean the band's rows are all equal (up to collisions)."""
    return batch_band_keys(sig[None, :])[0]


def batch_shingles(texts: list[str]) -> list[np.ndarray]:
    """`shingles` of many texts at once (the same arrays): one pass of numpy over all of them, where the
    per-text calls spent most of their time in numpy's fixed cost per operation."""
    padded = [t if len(t) >= SHINGLE or not t else t + "\0" * (SHINGLE - len(t)) for t in texts]
    lengths = np.array([len(t) for t in padded], dtype=np.int64)
    if lengths.sum() == 0:
        return [np.zeros(0, dtype=np.uint32) for _ in texts]
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    windows = np.lib.stride_tricks.sliding_window_view(codes, SHINGLE)
    hashed = (windows * _POWERS).sum(axis=1, dtype=np.uint64)
    folded = (hashed ^ (hashed >> np.uint64(29)) ^ (hashed >> np.uint64(47))) & np.uint64(0xFFFFFFFF)
    counts = np.maximum(lengths - SHINGLE + 1, 0)  # windows that start inside one text and end in it
    owner = np.repeat(np.arange(len(texts), dtype=np.uint64), counts)
    first = np.concatenate([np.arange(start, start + count) for start, count in zip(starts, counts) if count]
                           or [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    combined = np.sort((owner << np.uint64(32)) | folded[first])  # by text, then by hash
    unique = combined[np.concatenate(([True], combined[1:] != combined[:-1]))] if len(combined) else combined
    bounds = np.searchsorted(unique >> np.uint64(32), np.arange(len(texts) + 1, dtype=np.uint64))
    values = (unique & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return [values[bounds[i]:bounds[i + 1]] for i in range(len(texts))]


def batch_signatures(shingle_sets: list[np.ndarray]) -> np.ndarray:
    """`signature` of many shingle sets: an (n, NUM_PERM) uint32 array. One set at a time: a set's
    (shingles x permutations) block fits in the CPU cache, a whole batch's does not."""
    if not shingle_sets:
        return np.zeros((0, NUM_PERM), dtype=np.uint32)
    return np.stack([signature(hashes) for hashes in shingle_sets])


def batch_band_keys(signatures: np.ndarray) -> list[list[int]]:
    """`band_keys` of each row of an (n, NUM_PERM) signature array."""
    rows = signatures[:, : BANDS * ROWS].astype(np.uint64).reshape(len(signatures), BANDS, ROWS)
    with np.errstate(over="ignore"):
        mixed = (rows * _BAND_MIX[:ROWS]).sum(axis=2, dtype=np.uint64)
        mixed = mixed * np.uint64(0x9E3779B97F4A7C15) + np.arange(BANDS, dtype=np.uint64)
        mixed ^= mixed >> np.uint64(31)
    return (mixed >> np.uint64(1)).astype(np.int64).tolist()


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique shingle-hash arrays."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


CONTAINED_MIN_SHINGLES = 30  # about six words or more: shorter texts are contained in too much
CONTAINMENT = 0.7


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard, except that a shorter item whose shingles are mostly inside a longer one counts as a copy of
    it: a bare headline, or a copy that cut the lede short, has a low Jaccard with the full wire story.
    (Between items of equal length, containment 0.7 is Jaccard 0.54: the rule only matters when one is
    shorter.) On the project's labelled pairs this adds agency copies and no false match."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    j = inter / (len(a) + len(b) - inter)
    small = min(len(a), len(b))
    if small >= CONTAINED_MIN_SHINGLES and inter / small >= CONTAINMENT:
        return max(j, inter / small)
    return j

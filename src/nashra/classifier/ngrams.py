"""N-gram and token hashing over an encoded batch (fastnorm.Encoded), all in numpy.

Why a module of its own: the features (features.py) and the gazetteer matcher (gazetteer.py) both
turn a batch into 64-bit keys the same way, and the keys must agree exactly between training and
prediction. Char n-grams use a rolling polynomial hash; tokens use prefix sums of c_j * P^-j (P is
odd, so it has an inverse mod 2**64), so a token's hash is computed in O(1) from two prefix sums.
numpy integer arithmetic wraps around mod 2**64, which is what these hashes want.
"""

from __future__ import annotations

import numpy as np

from nashra.classifier.fastnorm import Encoded, is_word

P = np.uint64(0x100000001B3)  # odd 64-bit multiplier (FNV prime) of the polynomial hashes
P_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))  # its inverse mod 2**64 (it is odd)
MIX = np.uint64(0x9E3779B97F4A7C15)
SEQ = np.uint64(0xFF51AFD7ED558CCD)  # combines token hashes into a name (token-sequence) key
WORD_MIX = np.uint64(0xC2B2AE3D27D4EB4F)  # odd: a bijection that moves word keys off char keys


def _pow_table(base: np.uint64, n: int) -> np.ndarray:
    """base**i mod 2**64 for i < n (numpy integer arithmetic wraps, which is what we want)."""
    out = np.full(max(n, 1), base, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)


def char_ngrams(enc: Encoded, lo: int, hi: int, lengths: bool = False) -> tuple[np.ndarray, ...]:
    """(row, key, start[, length]) of every char n-gram, lo <= n <= hi, inside one padded word.

    ``enc`` is the matching form laid out as " item " pieces joined by NUL, so an n-gram is valid
    when it has no NUL and no space strictly inside it: that is scikit-learn's ``char_wb``.
    """
    codes = enc.codes
    n_codes = len(codes)
    at = np.arange(n_codes, dtype=np.int64)
    # lim[i]: the last index an n-gram starting at i may reach = the next space (a padded word
    # ends with it), or the character before the next NUL; so valid <=> i + n - 1 <= lim[i].
    boundary = (codes == 32) | (codes == 0)
    first_at_or_after = np.minimum.accumulate(np.where(boundary, at, n_codes)[::-1])[::-1]
    nxt = np.append(first_at_or_after[1:], n_codes)
    padded = np.append(codes, np.uint32(0))
    span = nxt - (padded[nxt] == 0) - at  # how many characters past i the n-gram may extend
    span[codes == 0] = -1
    c1 = codes.astype(np.uint64) + np.uint64(1)
    h = c1
    rows, keys, starts, ns = [], [], [], []
    for n in range(1, hi + 1):
        if n > 1:
            h = h[:-1] * P + c1[n - 1:]
        if n < lo or len(h) == 0:
            continue
        ok = span[: len(h)] >= n - 1
        if n == 1:
            ok &= codes != 32
        idx = np.flatnonzero(ok)
        rows.append(enc.rows[idx])
        keys.append(h[idx] * MIX + np.uint64(n))
        starts.append(idx)
        if lengths:
            ns.append(np.full(len(idx), n, dtype=np.int8))
    if not keys:
        z = np.zeros(0, np.int64)
        return (z, np.zeros(0, np.uint64), z) + ((np.zeros(0, np.int8),) if lengths else ())
    out = (np.concatenate(rows), np.concatenate(keys), np.concatenate(starts))
    return out + ((np.concatenate(ns),) if lengths else ())


def word_tokens(enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row, hash, start, end) of every ``\\w+`` token of the light form, in text order."""
    codes = enc.codes
    w = is_word(codes)
    prev = np.concatenate([[False], w[:-1]])
    nxt = np.concatenate([w[1:], [False]])
    starts = np.flatnonzero(w & ~prev)
    ends = np.flatnonzero(w & ~nxt) + 1
    if len(starts) == 0:
        z = np.zeros(0, np.int64)
        return z, np.zeros(0, np.uint64), z, z
    # token hash = sum c_j * P^-(j - start): prefix sums of c_j * P^-j, rescaled by P^start
    inv_pow = _pow_table(P_INV, len(codes))
    g = np.concatenate([[np.uint64(0)],
                        np.cumsum((codes.astype(np.uint64) + np.uint64(1)) * inv_pow,
                                  dtype=np.uint64)])
    fwd = _pow_table(P, len(codes))
    hashes = (g[ends] - g[starts]) * fwd[starts] * MIX + (ends - starts).astype(np.uint64)
    return enc.rows[starts], hashes, starts, ends

"""Text features for the topic model: stemmed word n-grams, optional char n-grams, gazetteer hits.

Why these: the research note (shared/notes/arabic-nlp-and-dedup.md, section 2) measured that on short
Arabic news (title + summary) the union of word 1-2-grams on Snowball light stems and ``char_wb``
2-5-grams on the matching form beats either alone. Stems merge clitic and inflection variants
(الحكومة، للحكومة); char n-grams keep named entities that every stemmer mangles (فلسطين -> لسط). On our
data the gazetteer (gazetteer.py) does the named entities' job better and cheaper, so the shipped
model uses stems + gazetteer and the char channel is a switch (docs/classifier.md has the figures).

Why not scikit-learn's TfidfVectorizer: its analyzers build every n-gram as a Python string, about
0.5 ms per item for char 2-5-grams, ten times too slow for the goal of 20,000 items/s. Here a batch
is encoded once (fastnorm.py), n-grams and tokens become 64-bit polynomial hashes computed with numpy,
and an open-addressing hash table built at fit maps them to columns. The weighting is scikit-learn's
TF-IDF (smooth idf, sublinear tf, l2-normalised rows per channel), and the char channel gives the
same matrix as ``TfidfVectorizer(analyzer="char_wb", preprocessor=match_key)`` up to a 64-bit hash
collision (tests/classifier/test_features.py checks it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from nashra.classifier.fastnorm import Encoded, encode
from nashra.classifier.gazetteer import Gazetteer
from nashra.classifier.hashindex import HashIndex
from nashra.classifier.ngrams import WORD_MIX, char_ngrams, word_tokens
from nashra.classifier.normalize import feed_clean, normalize

CHUNK = 512  # items per batch at transform time: keeps the arrays in cache (and rows < 2**9)
_COL_BITS = 23  # a chunk packs (row, column) into one uint32 for a fast 32-bit sort


def _weight(counts: sp.csr_matrix, idf: np.ndarray, sublinear: bool) -> sp.csr_matrix:
    m = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    if sublinear:
        np.log(m.data, out=m.data)
        m.data += 1.0
    m.data *= idf[m.indices]
    per_row = np.diff(m.indptr)
    row_ids = np.repeat(np.arange(m.shape[0]), per_row)
    norms = np.sqrt(np.bincount(row_ids, weights=m.data ** 2, minlength=m.shape[0]))
    m.data /= np.repeat(norms, per_row)  # empty rows repeat nothing: no 0/0
    return m


def _count_matrix(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(n_rows, n_cols))
    m.sum_duplicates()
    return m


def _chunk_entries(rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray,
                   split: int, weights: tuple[float, float], sublinear: bool
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TF-IDF entries (row, column, value) of a small chunk, from (row, column) occurrences.

    One 32-bit sort of row<<23|col groups duplicates (counts) and orders the entries as CSR wants;
    scipy's COO->CSR + sum_duplicates would sort every row separately, ~3x slower. Columns below
    ``split`` are the word channel, the rest the char channel; each is l2-normalised per row on
    its own and scaled by its weight, as two stacked TfidfVectorizers would be.
    """
    n_cols = len(idf)
    if n_rows > (1 << (32 - _COL_BITS)) or n_cols >= (1 << _COL_BITS):
        m = _count_matrix(rows, cols, n_rows, n_cols)
        r = np.repeat(np.arange(n_rows), np.diff(m.indptr))
        c, cnt = m.indices.astype(np.int64), m.data
    else:
        packed = (rows.astype(np.uint32) << np.uint32(_COL_BITS)) | cols.astype(np.uint32)
        packed.sort()
        new = np.empty(len(packed), dtype=bool)
        if len(packed):
            new[0] = True
            np.not_equal(packed[1:], packed[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        cnt = np.diff(starts, append=len(packed))
        u = packed[starts]
        r = (u >> np.uint32(_COL_BITS)).astype(np.int64)
        c = (u & np.uint32((1 << _COL_BITS) - 1)).astype(np.int64)
    data = idf[c]
    repeated = cnt > 1
    if repeated.any():
        tf = np.log(cnt[repeated]) + 1.0 if sublinear else cnt[repeated].astype(np.float64)
        data[repeated] *= tf
    channel = c >= split
    group = r * 2 + channel
    norms = np.sqrt(np.bincount(group, weights=data * data, minlength=2 * n_rows))
    norms[norms == 0] = 1.0
    scale = np.array(weights, dtype=np.float64)
    data *= scale[channel.view(np.int8)] / norms[group]
    return r, c, data


def _fit_vocab(rows: np.ndarray, keys: np.ndarray, n_rows: int, min_df: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, sp.csr_matrix]:
    """(kept keys, idf, first occurrence of each kept key, counts of kept keys)."""
    uniq, first, inv = np.unique(keys, return_index=True, return_inverse=True)
    counts = _count_matrix(rows, inv.ravel(), n_rows, len(uniq))
    df = np.bincount(counts.indices, minlength=len(uniq))
    keep = df >= min_df
    idf = np.log((1.0 + n_rows) / (1.0 + df[keep])) + 1.0
    return uniq[keep], idf, first[keep], counts[:, keep]


class ArabicTextFeatures(BaseEstimator, TransformerMixin):
    """Both channels from one encoding of the batch: [stem word n-grams | char_wb n-grams].

    Each channel is TF-IDF weighted and l2-normalised on its own (as a FeatureUnion of two
    TfidfVectorizers would be), then scaled by its weight. ``stem=False`` uses normalised surface
    words instead of stems; ``word_ngrams=None`` or ``char_ngrams=None`` switches a channel off.
    """

    def __init__(self, word_ngrams: tuple[int, int] | None = (1, 2),
                 char_ngrams: tuple[int, int] | None = (2, 5), stem: bool = True,
                 min_df: int = 2, sublinear_tf: bool = True,
                 word_weight: float = 1.0, char_weight: float = 1.0,
                 clean_feed: bool = True, gazetteer_weight: float = 0.0) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.stem = stem
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.clean_feed = clean_feed
        self.gazetteer_weight = gazetteer_weight

    # -- scikit-learn API ---------------------------------------------------------------------
    def fit(self, X: Sequence[str], y: object = None) -> ArabicTextFeatures:
        self.fit_transform(X)
        return self

    def _texts(self, X: Sequence[str]) -> list[str]:
        if self.clean_feed:
            return [feed_clean(x) if x else "" for x in X]
        return [x or "" for x in X]

    def fit_transform(self, X: Sequence[str], y: object = None) -> sp.csr_matrix:
        if self.word_ngrams is not None and not 1 <= self.word_ngrams[0] <= self.word_ngrams[1] <= 2:
            raise ValueError(f"word_ngrams must be (1, 1), (1, 2) or (2, 2), got {self.word_ngrams}")
        if self.word_ngrams is None and self.char_ngrams is None:
            raise ValueError("at least one of word_ngrams and char_ngrams is needed")
        texts = self._texts(X)
        light, match = encode(texts, light=self.word_ngrams is not None, match=self._need_match())
        parts = []
        self.word_vocab_ = self.char_vocab_ = np.zeros(0, np.uint64)
        self.word_idf_ = self.char_idf_ = np.zeros(0)
        self.stem_ids_, self.char_names_ = {}, []
        if light is not None:
            parts.append(self._fit_words(light) * self.word_weight)
        if self.char_ngrams is not None:
            parts.append(self._fit_chars(match) * self.char_weight)
        self._build_index()
        if self.gazetteer_weight:
            self.gazetteer_ = Gazetteer()
            parts.append(sp.csr_matrix(self.gazetteer_.features(match) * self.gazetteer_weight))
        return sp.hstack(parts, format="csr")

    def _need_match(self) -> bool:
        return self.char_ngrams is not None or bool(self.gazetteer_weight)

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        texts = list(X)  # transform_entries cleans each chunk
        chunks = [self._transform_chunk(texts[i:i + CHUNK]) for i in range(0, len(texts), CHUNK)]
        if not chunks:
            return sp.csr_matrix((0, self.n_features_))
        return chunks[0] if len(chunks) == 1 else sp.vstack(chunks, format="csr")

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        names: list[str] = []
        names += ["w:" + n for n in self._word_names()]
        names += ["c:" + n for n in self.char_names_]
        if self.gazetteer_weight:
            names += ["g:" + c for c in self.gazetteer_.classes]
        return np.asarray(names, dtype=object)

    @property
    def n_features_(self) -> int:
        return len(self.idf_) + (len(self.gazetteer_.classes) if self.gazetteer_weight else 0)

    def transform_entries(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the feature matrix of a batch of at most 512 texts, rows in
        order: what ``transform`` assembles, and what the model multiplies without building a
        sparse matrix (the fast path of TopicModel.predict_matrix)."""
        texts = self._texts(texts)
        light, match = encode(texts, light=self.word_ngrams is not None, match=self._need_match())
        rows, keys = [np.zeros(0, np.int32)], [np.zeros(0, np.uint64)]
        if light is not None:
            r, k = self._word_keys(light, fitting=False)
            rows.append(r)
            keys.append(k * WORD_MIX + np.uint64(1))
        if self.char_ngrams is not None:
            r, k, _ = char_ngrams(match, *self.char_ngrams)
            rows.append(r)
            keys.append(k)
        cols = self.feature_index_.lookup(np.concatenate(keys))
        hit = cols >= 0
        r, c, v = _chunk_entries(np.concatenate(rows)[hit], cols[hit], len(texts), self.idf_,
                                 len(self.word_vocab_), (self.word_weight, self.char_weight),
                                 self.sublinear_tf)
        if self.gazetteer_weight:
            g = self.gazetteer_.features(match)
            gr, gc = np.nonzero(g)
            r = np.concatenate([r, gr])
            c = np.concatenate([c, gc + len(self.idf_)])
            v = np.concatenate([v, g[gr, gc] * self.gazetteer_weight])
        return r, c, v

    def _transform_chunk(self, texts: list[str]) -> sp.csr_matrix:
        r, c, v = self.transform_entries(texts)
        return sp.csr_matrix((v, (r, c)), shape=(len(texts), self.n_features_))

    def _build_index(self) -> None:
        """One table for both channels: word keys are remixed so they cannot meet char keys."""
        word = self.word_vocab_ * WORD_MIX + np.uint64(1)
        self.feature_index_ = HashIndex(np.concatenate([word, self.char_vocab_]))
        self.idf_ = np.concatenate([self.word_idf_, self.char_idf_])

    # -- char channel ---------------------------------------------------------------------------
    def _fit_chars(self, match: Encoded) -> sp.csr_matrix:
        rows, keys, starts, self._lengths_at_fit = char_ngrams(match, *self.char_ngrams,
                                                               lengths=True)
        n = match.n_items
        self.char_vocab_, self.char_idf_, first, counts = _fit_vocab(rows, keys, n, self.min_df)
        # name each kept n-gram by one occurrence of it in the training text
        text = match.text()
        lengths = self._lengths_at_fit[first]
        del self._lengths_at_fit
        self.char_names_ = [text[s:s + k].replace(" ", "_")
                            for s, k in zip(starts[first].tolist(), lengths.tolist())]
        return _weight(counts, self.char_idf_, self.sublinear_tf)

    # -- word channel ---------------------------------------------------------------------------
    def _stemmer(self):  # noqa: ANN202 - returns a str -> str callable
        if not self.stem:
            return normalize
        import Stemmer  # PyStemmer: the C build of Snowball Arabic, ~2.7 M words/s

        stem_word = Stemmer.Stemmer("arabic").stemWord
        return lambda w: normalize(stem_word(w))

    def _word_ids(self, light: Encoded, fitting: bool) -> tuple[np.ndarray, np.ndarray]:
        """(row, stem id) per token; -1 for a stem the model has never seen."""
        rows, hashes, starts, ends = word_tokens(light)
        if fitting:
            self.stem_ids_: dict[str, int] = {}
            self.token_index_ = HashIndex(np.zeros(0, np.uint64))
            self.token_stem_ = np.zeros(0, np.int64)
        slot = self.token_index_.lookup(hashes)
        ids = np.full(len(slot), -1, dtype=np.int64)
        ids[slot >= 0] = self.token_stem_[slot[slot >= 0]]
        missing = slot < 0
        if missing.any():
            ids[missing] = self._stem_unknown(light, hashes[missing], starts[missing],
                                              ends[missing], fitting)
        return rows, ids

    def _stem_unknown(self, light: Encoded, hashes: np.ndarray, starts: np.ndarray,
                      ends: np.ndarray, fitting: bool) -> np.ndarray:
        """Stem tokens the table does not know (all of them at fit; new words later)."""
        uniq, first, inv = np.unique(hashes, return_index=True, return_inverse=True)
        cache: dict[int, int] = self.__dict__.setdefault("_runtime_cache", {})
        if len(cache) > 200_000:  # an endless stream of new words: keep memory bounded
            cache.clear()
        codes = light.codes
        stem = self._stemmer()
        out = np.empty(len(uniq), dtype=np.int64)
        for j, (h, s, e) in enumerate(zip(uniq.tolist(), starts[first].tolist(),
                                          ends[first].tolist())):
            i = None if fitting else cache.get(h)
            if i is None:
                word = codes[s:e].tobytes().decode("utf-32-le", errors="replace")
                st = stem(word)
                i = self.stem_ids_.get(st)
                if i is None:
                    i = -1
                    if fitting:
                        i = self.stem_ids_[st] = len(self.stem_ids_)
                if not fitting:
                    cache[h] = i
            out[j] = i
        if fitting:
            self._fit_token_hashes, self._fit_token_ids = uniq, out
        return out[inv.ravel()]

    def _word_keys(self, light: Encoded, fitting: bool) -> tuple[np.ndarray, np.ndarray]:
        rows, ids = self._word_ids(light, fitting)
        if fitting:
            self.stem_base_ = len(self.stem_ids_) + 1
        base = np.int64(self.stem_base_)
        lo, hi = self.word_ngrams
        rs, ks = [], []
        if lo <= 1:
            ok = ids >= 0
            rs.append(rows[ok])
            ks.append(ids[ok])
        if hi >= 2 and len(ids) > 1:
            a, b = ids[:-1], ids[1:]
            ok = (a >= 0) & (b >= 0) & (rows[:-1] == rows[1:])
            rs.append(rows[:-1][ok])
            ks.append((a[ok] + 1) * base + b[ok])
        if not ks:
            return np.zeros(0, np.int64), np.zeros(0, np.uint64)
        return np.concatenate(rs), np.concatenate(ks).astype(np.uint64)

    def _fit_words(self, light: Encoded) -> sp.csr_matrix:
        rows, keys = self._word_keys(light, fitting=True)
        vocab, self.word_idf_, _, counts = _fit_vocab(rows, keys, light.n_items, self.min_df)
        self.word_vocab_ = vocab
        # keep only stems that a kept feature uses, and the training tokens that map to them
        base = self.stem_base_
        v = vocab.astype(np.int64)
        used = np.unique(np.concatenate([v[v < base], v[v >= base] // base - 1,
                                         v[v >= base] % base]))
        used_set = set(used.tolist())
        self.stem_ids_ = {s: i for s, i in self.stem_ids_.items() if i in used_set}
        hashes, ids = self._fit_token_hashes, self._fit_token_ids
        del self._fit_token_hashes, self._fit_token_ids
        # every training token stays in the table (unused stems as -1): no re-stemming later
        self.token_index_ = HashIndex(hashes)
        self.token_stem_ = np.where(np.isin(ids, used), ids, -1)
        self.__dict__["_runtime_cache"] = {}
        return _weight(counts, self.word_idf_, self.sublinear_tf)

    def _word_names(self) -> list[str]:
        if not len(self.word_vocab_):
            return []
        by_id = {i: s for s, i in self.stem_ids_.items()}
        base = self.stem_base_
        return [by_id[k] if k < base else f"{by_id[k // base - 1]}_{by_id[k % base]}"
                for k in self.word_vocab_.astype(np.int64).tolist()]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_runtime_cache", None)  # rebuilt lazily; not part of the model
        return state

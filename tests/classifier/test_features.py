"""Features: the numpy char channel matches scikit-learn's char_wb TF-IDF; transform is stable."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from nashra.classifier.features import ArabicTextFeatures
from nashra.classifier.hashindex import HashIndex
from nashra.classifier.normalize import match_key

from .conftest import ITEMS

TEXTS = [f"{t} . {s}" for t, s, _ in ITEMS]


def test_char_channel_equals_sklearn_char_wb() -> None:
    ours = ArabicTextFeatures(word_ngrams=None, char_ngrams=(2, 5), min_df=1, clean_feed=False)
    X = ours.fit_transform(TEXTS)
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=1, sublinear_tf=True,
                          preprocessor=match_key, lowercase=False)
    Y = ref.fit_transform(TEXTS)
    names = [n[2:].replace("_", " ") for n in ours.get_feature_names_out()]
    assert sorted(names) == sorted(ref.get_feature_names_out())
    col = {n: i for i, n in enumerate(ref.get_feature_names_out())}
    perm = np.array([col[n] for n in names])
    assert np.allclose(X.toarray(), Y[:, perm].toarray())


def test_transform_equals_fit_transform_and_is_l2_per_channel() -> None:
    f = ArabicTextFeatures(min_df=1)
    X = f.fit_transform(TEXTS)
    assert np.allclose(X.toarray(), f.transform(TEXTS).toarray())
    n_word = len(f.word_vocab_)
    n_char = len(f.char_vocab_)
    w = X[:, :n_word].toarray()
    c = X[:, n_word:n_word + n_char].toarray()
    assert np.allclose(np.linalg.norm(w, axis=1), 1.0)
    assert np.allclose(np.linalg.norm(c, axis=1), 1.0)
    assert X.shape[1] == len(f.get_feature_names_out())


def test_stems_merge_inflections() -> None:
    f = ArabicTextFeatures(char_ngrams=None, word_ngrams=(1, 1), min_df=1, gazetteer_weight=0)
    f.fit(["الحكومة قررت", "للحكومة قرار"])
    names = set(f.get_feature_names_out())
    assert "w:حكوم" in names  # both forms share one stem feature


def gazetteer_classes(texts: list[str]) -> list[set[str]]:
    """The gazetteer classes (g:arab, g:intl ...) each text hits, through the fitted features."""
    f = ArabicTextFeatures(min_df=1, gazetteer_weight=1.0)
    f.fit(TEXTS)
    names = list(f.get_feature_names_out())
    x = f.transform(texts).tocsr()
    return [{names[c][2:] for c, v in zip(x[i].indices, x[i].data) if names[c].startswith("g:") and v > 0}
            for i in range(len(texts))]


def test_gazetteer_marks_unseen_places() -> None:
    got = gazetteer_classes(["احتجاجات في القيروان", "فيضانات في كازان", "قمة لحلف الناتو في لندن",
                             "وصل إلى بالقيروان"])
    assert got[0] == {"arab"} and got[1] == set()
    assert got[2] == {"intl", "world_body"}
    assert got[3] == {"arab"}  # a proclitic on the name still matches


def test_empty_and_unknown_text() -> None:
    f = ArabicTextFeatures(min_df=1)
    f.fit(TEXTS)
    X = f.transform(["", "zzzz qqqq", " . "])
    assert X.shape == (3, f.n_features_)


def test_hash_index() -> None:
    rng = np.random.default_rng(1)
    keys = np.unique(rng.integers(0, 2**63, 5000).astype(np.uint64))
    idx = HashIndex(keys)
    assert (idx.lookup(keys) == np.arange(len(keys))).all()
    others = rng.integers(0, 2**63, 5000).astype(np.uint64)
    others = others[~np.isin(others, keys)]
    assert (idx.lookup(others) == -1).all()
    assert (HashIndex(np.zeros(0, np.uint64)).lookup(keys[:3]) == -1).all()


def test_lexicon_names_people_forces_and_weapons() -> None:
    got = gazetteer_classes(["السيسي يستقبل الغنوشي", "ماكرون يلتقي بوتين", "صفقة طائرات رافال وصواريخ إس-400"])
    assert got == [{"arab"}, {"intl"}, {"military"}]


def test_a_malformed_lexicon_line_is_named(tmp_path) -> None:  # noqa: ANN001
    from nashra.classifier.gazetteer import lexicon

    (tmp_path / "a.tsv").write_text("# people\narab\tالسيسي\n\nintl\tماكرون\n", encoding="utf-8")
    assert lexicon(tmp_path) == {"arab": ["السيسي"], "intl": ["ماكرون"]}
    (tmp_path / "b.tsv").write_text("arab\tالسيسي\nplanet\tالمريخ\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.tsv:2: expected `class<TAB>name`"):
        lexicon(tmp_path)

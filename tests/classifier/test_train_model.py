"""Training on a small in-test set: predictions move the right way; explain, dedup, weak masks."""

from __future__ import annotations

import pytest

from nashra.classifier.examples import Example, correction_example, weak_example
from nashra.classifier.train import ModelConfig, deduplicate, train

from .conftest import TINY, A, I, S, examples


def test_predictions_move_the_right_way(tiny_model) -> None:  # noqa: ANN001
    texts = ["انفجار سيارة مفخخة في الموصل يقتل جنودا . قتل جنود في تفجير",
             "البرلمان الأردني يناقش قانون الانتخابات . صوت النواب في عمان",
             "هجوم بالصواريخ على مدينة أوكرانية . قصف روسي على كييف",
             "المنتخب يفوز في مباراة ودية . سجل اللاعب هدفين"]
    s = tiny_model.predict_scores(texts)
    assert s[0][S] > s[1][S] and s[0][S] > s[3][S]
    assert s[0][A] > s[2][A]
    assert s[1][A] > s[1][I]
    assert s[2][I] > s[2][A] and s[2][S] > s[3][S]
    assert max(s[3].values()) < max(s[0].values())
    for row in s:
        assert set(row) == {A, I, S} and all(0.0 <= v <= 1.0 for v in row.values())
    picks = tiny_model.predict(texts)
    assert S in picks[0] and S not in picks[3]


def test_metadata(tiny_model) -> None:  # noqa: ANN001
    md = tiny_model.metadata
    for key in ("nashra_version", "sklearn_version", "topics", "thresholds", "training_sha256",
                "n_examples", "metrics", "trained_at"):
        assert key in md
    assert md["topics"] == [A, I, S] and md["n_examples"] == len(examples())
    assert len(md["training_sha256"]) == 64
    assert set(tiny_model.thresholds) == {A, I, S}


def test_explain_signs(tiny_model) -> None:  # noqa: ANN001
    out = tiny_model.explain("انفجار سيارة مفخخة في بغداد يقتل عشرة أشخاص", top=5)
    assert set(out) == {A, I, S}
    sec = out[S]
    assert 0 < len(sec) <= 5
    assert sum(w for _, w in sec) > 0  # the strongest features push security up
    assert all(isinstance(n, str) and n[:2] in ("w:", "c:", "g:") for n, _ in sec)


def test_training_hash_depends_on_data() -> None:
    cfg = TINY
    a = train(examples(), config=cfg)
    b = train(examples()[:-1], config=cfg)
    assert a.metadata["training_sha256"] != b.metadata["training_sha256"]


def test_dedup_later_source_wins() -> None:
    seed = Example("خبر", "ملخص", frozenset({A}))
    corr = correction_example("خبر", "ملخص", {I})
    out = deduplicate([seed, Example("آخر", "", frozenset()), corr])
    assert len(out) == 2 and out[0].labels == frozenset({I}) and out[0].source == "correction"


def test_correction_changes_prediction() -> None:
    cfg = TINY
    text = ("مهرجان للتمور في الواحات", "افتتح المهرجان السنوي للتمور بمشاركة المنتجين")
    base = train(examples(), config=cfg).predict_scores([" . ".join(text)])[0][A]
    fixed = [correction_example(*text, {A}) for _ in range(1)]
    # a strong correction repeated in several phrasings is learned
    more = [correction_example(f"{text[0]} {i}", f"{text[1]} في الجهة {i}", {A}) for i in range(4)]
    after = train(examples() + fixed + more, config=cfg).predict_scores([" . ".join(text)])[0][A]
    assert after > base


def test_weak_examples_only_touch_their_topic() -> None:
    cfg = TINY
    weak = [weak_example(f"نبأ عاجل رقم {i}", "تفاصيل", S) for i in range(5)]
    m = train(examples() + weak, config=cfg)
    assert m.metadata["sources"] == {"seed": len(examples()), "weak": 5}


def test_too_few_examples() -> None:
    with pytest.raises(ValueError, match="needs at least 2 positive"):
        train([Example("a", "", frozenset({A})), Example("b", "", frozenset())])
    with pytest.raises(ValueError):
        train([])


def test_progress_reports_steps() -> None:
    seen = []
    train(examples(), progress=lambda d, t, w: seen.append((d, t, w)), config=TINY)
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1]
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)


def test_default_config_words_and_gazetteer(tmp_path) -> None:  # noqa: ANN001
    from nashra.classifier.persist import load, save

    m = train(examples() * 1, config=ModelConfig(min_df=1, cv=3))  # the shipped feature set
    names = [n for n, _ in m.explain("غارات على إدلب", top=50)[A]]
    assert names and all(n.startswith(("w:", "g:")) for n in names)
    assert "g:arab" in names  # إدلب is in the gazetteer
    save(m, tmp_path / "d.joblib")
    assert load(tmp_path / "d.joblib").predict_scores(["غارات على إدلب"]) == \
        m.predict_scores(["غارات على إدلب"])


def test_bad_config() -> None:
    with pytest.raises(ValueError, match="word_ngrams"):
        train(examples(), config=ModelConfig(word_ngrams=(1, 3)))

"""Topic classifier benchmark: quality on the hand-labelled dev set, speed, size, memory.

Run:  .venv/bin/python bench/classifier.py [--variants] [--json OUT.json]

Prints, in one run:
* dev_gold figures (../shared/corpus/dev_gold.jsonl, never trained on) for
  - the default model trained on the shipped seeds only,
  - a plain baseline on the same seeds: word TF-IDF (scikit-learn defaults, no normalisation) +
    one LinearSVC per topic, decision > 0,
  - the default model on seeds + the weak-labelled shared corpus (ANT sections, ASND's
    crime-war-conflict flag) at a lower weight;
* training time, batch prediction items/s over 10k+ real items (1 and 2 threads), model size on
  disk, peak RSS.
``--variants`` also compares alternative configurations (features, C, thresholds, weak weights) on
dev_gold, on seed cross-validation and, for the main contenders, on agreement with the corpus's own
weak labels over ~10k items (a larger but noisier yardstick); docs/classifier.md records the outcome.

Weak items that repeat a dev_gold story (the dev set was drawn from the same sources) are dropped
before training: an item sharing any run of 8 words, or its opening, with a dev item.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".." / "shared" / "corpus"
sys.path.insert(0, str(ROOT / "src"))

from nashra.classifier.evaluate import HeldOut, Metrics, evaluate, score  # noqa: E402
from nashra.classifier.examples import (TOPICS, WEAK_WEIGHT, Example, load_jsonl,  # noqa: E402
                                        load_seeds)
from nashra.classifier.persist import save  # noqa: E402
from nashra.classifier.train import ModelConfig, train  # noqa: E402

ANT_OTHER = {"sport", "culture", "technology"}  # sections that are clearly "no topic"
ASND_OTHER = {"sports", "art-and-entertainment", "science-and-technology", "health",
              "environment", "spiritual", "education"}


# -- data --------------------------------------------------------------------------------------
def load_weak(guard: HeldOut, weight: float, asnd_politics_negative: bool = False
              ) -> tuple[list[Example], int]:
    """Weak examples from the shared corpus, each known only for the topics its source speaks to."""
    out, dropped = [], 0
    for line in (CORPUS / "ant_weak.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if guard.seen(r["title"], r["summary"]):
            dropped += 1
            continue
        sec = r["section"]
        if sec in ("localNews", "politic"):  # a Tunisian outlet's local news: Arab World
            labels, known = {"arab_world"}, {"arab_world", "international"}
        elif sec == "internationalNews":  # ~31% are about Arab countries: say nothing on those
            labels, known = {"international"}, {"international"}
        elif sec in ANT_OTHER:
            labels, known = set(), set(TOPICS)
        else:  # society/diverse/economy: may well be public affairs; no claim
            continue
        out.append(Example(r["title"], r["summary"], frozenset(labels), weight=weight,
                           source="weak", known=frozenset(known)))
    for line in (CORPUS / "asnd_weak.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if guard.seen(r["title"], r["summary"]):
            dropped += 1
            continue
        sec = r["section"]
        if r["weak_security"]:
            labels, known = {"security"}, {"security"}
        elif sec in ASND_OTHER:
            labels, known = set(), set(TOPICS)
        elif sec == "politics" and asnd_politics_negative:
            labels, known = set(), {"security"}
        else:
            continue
        out.append(Example(r["title"], r["summary"], frozenset(labels), weight=weight,
                           source="weak", known=frozenset(known)))
    return out, dropped


def all_corpus_texts() -> list[str]:
    texts = []
    for name in ("ant_weak.jsonl", "asnd_weak.jsonl"):
        for line in (CORPUS / name).open(encoding="utf-8"):
            r = json.loads(line)
            texts.append(f"{r['title']} . {r['summary']}")
    return texts


# -- models ------------------------------------------------------------------------------------
def baseline_metrics(train_set: list[Example], dev: list[Example]) -> Metrics:
    """Word TF-IDF with scikit-learn's defaults (no Arabic normalisation) + LinearSVC per topic."""
    vec = TfidfVectorizer()
    X = vec.fit_transform([ex.text for ex in train_set])
    Xd = vec.transform([ex.text for ex in dev])
    picks = np.zeros((len(dev), len(TOPICS)), dtype=bool)
    for j, t in enumerate(TOPICS):
        y = np.array([t in ex.labels for ex in train_set], dtype=int)
        picks[:, j] = LinearSVC().fit(X, y).decision_function(Xd) > 0
    pred = [frozenset(t for t, c in zip(TOPICS, row) if c) for row in picks]
    return score([ex.labels for ex in dev], pred)


def line(name: str, m: Metrics, extra: str = "") -> str:
    per = "  ".join(f"{t} {m.topics[t].f1:.3f}" for t in TOPICS)
    return f"  {name:44s} macro {m.macro_f1:.3f}  micro {m.micro_f1:.3f}  | {per}{extra}"


def speed(model, texts: list[str]) -> dict[str, float]:  # noqa: ANN001
    out = {}
    model.predict_matrix(texts[:1000])  # warm the stem cache and the tables
    for jobs in (1, 2):
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            model.predict_matrix(texts, n_jobs=jobs)
            best = min(best, time.perf_counter() - t)
        out[f"items_per_s_{jobs}_thread{'s' if jobs > 1 else ''}"] = round(len(texts) / best)
    return out


VARIANTS: dict[str, dict] = {
    "default: stems 1-2 + gazetteer 0.5, C=0.5, tuned thr": {},
    "union: stems 1-2 + char_wb 2-5 + gazetteer (note's best)": {"char_ngrams": (2, 5)},
    "union without gazetteer": {"char_ngrams": (2, 5), "gazetteer_weight": 0.0},
    "union, char weight 0.5": {"char_ngrams": (2, 5), "char_weight": 0.5},
    "char_wb 2-5 only + gazetteer": {"word_ngrams": None, "char_ngrams": (2, 5)},
    "stems 1-2 + char_wb 3-5 + gazetteer": {"char_ngrams": (3, 5)},
    "no gazetteer": {"gazetteer_weight": 0.0},
    "gazetteer weight 1.0": {"gazetteer_weight": 1.0},
    "no feed clean-up (links, mentions, hashtags)": {"clean_feed": False},
    "surface words 1-2 (no stems)": {"stem": False},
    "stems 1-1": {"word_ngrams": (1, 1)},
    "thresholds fixed at 0.5": {"tune_thresholds": False},
    "C=0.25": {"C": 0.25},
    "C=1.0": {"C": 1.0},
    "class_weight=balanced": {"class_weight": "balanced"},
    "min_df=1": {"min_df": 1},
}


def proxy_metrics(model) -> dict[str, float]:  # noqa: ANN001
    """Agreement with the corpus's own weak labels on ~10k real items (noisy labels that are not
    the guideline's: only for comparing configurations, never as a score)."""
    from sklearn.metrics import f1_score, roc_auc_score

    ant = [json.loads(x) for x in (CORPUS / "ant_weak.jsonl").open(encoding="utf-8")]
    ant = [r for r in ant if r["section"] in {"localNews", "politic", "internationalNews"} | ANT_OTHER]
    asnd = [json.loads(x) for x in (CORPUS / "asnd_weak.jsonl").open(encoding="utf-8")]
    a = model.predict_matrix([f"{r['title']} . {r['summary']}" for r in ant])
    s = model.predict_matrix([f"{r['title']} . {r['summary']}" for r in asnd])
    thr = model.pipeline.named_steps["classifier"].thresholds_
    ya = np.array(["arab_world" in r["weak_labels"] for r in ant])
    yi = np.array(["international" in r["weak_labels"] for r in ant])
    ys = np.array([r["weak_security"] for r in asnd])
    return {"ant_arab_auc": roc_auc_score(ya, a[:, 0]), "ant_arab_f1": f1_score(ya, a[:, 0] >= thr[0]),
            "ant_intl_auc": roc_auc_score(yi, a[:, 1]), "ant_intl_f1": f1_score(yi, a[:, 1] >= thr[1]),
            "asnd_sec_auc": roc_auc_score(ys, s[:, 2]), "asnd_sec_f1": f1_score(ys, s[:, 2] >= thr[2])}


def seed_cv(model) -> float:  # noqa: ANN001
    return float(model.metadata["metrics"]["cross_validation"]["macro_f1"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", action="store_true", help="compare alternative configurations")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--weak-weight", type=float, default=WEAK_WEIGHT)
    args = ap.parse_args()
    figures: dict = {}

    seeds = load_seeds()
    print(f"seed corpus: {len(seeds)} items")
    t = time.perf_counter()
    model = train(seeds)
    figures["train_seconds_seeds"] = round(time.perf_counter() - t, 2)
    print(f"training (seeds only): {figures['train_seconds_seeds']:.2f} s, "
          f"{model.metadata['n_features']} features, thresholds {model.metadata['thresholds']}")
    print(f"seed 5-fold cross-validation macro-F1 (optimistic): {seed_cv(model):.3f}")

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "model.joblib"
        save(model, p)
        figures["model_bytes"] = p.stat().st_size
    print(f"model size on disk: {figures['model_bytes'] / 1e6:.2f} MB")

    have_corpus = (CORPUS / "dev_gold.jsonl").exists()
    if not have_corpus:
        print(f"no shared corpus at {CORPUS.resolve()}: skipping dev_gold figures and speed")
    else:
        dev = load_jsonl(CORPUS / "dev_gold.jsonl", source="dev")
        guard = HeldOut(dev)
        print(f"\ndev_gold: {len(dev)} items; "
              + ", ".join(f"{t} {sum(t in e.labels for e in dev)}" for t in TOPICS)
              + f", other {sum(not e.labels for e in dev)}")
        m_default = evaluate(model, dev)
        m_base = baseline_metrics(seeds, dev)
        print(line("default model, seeds only", m_default))
        print(line("baseline word TF-IDF + LinearSVC, seeds", m_base))
        print(f"  gain over baseline: {100 * (m_default.macro_f1 - m_base.macro_f1):+.1f} points macro-F1")
        weak, dropped = load_weak(guard, args.weak_weight)
        t = time.perf_counter()
        model_weak = train(seeds + weak)
        figures["train_seconds_seeds_weak"] = round(time.perf_counter() - t, 2)
        m_weak = evaluate(model_weak, dev)
        print(line(f"default model, seeds + {len(weak)} weak (w={args.weak_weight})", m_weak,
                   f"  [{figures['train_seconds_seeds_weak']:.1f} s; {dropped} weak items "
                   "dropped as dev repeats]"))
        figures.update(dev_default=m_default.to_json(), dev_baseline=m_base.to_json(),
                       dev_seeds_weak=m_weak.to_json(), n_seeds=len(seeds), n_weak=len(weak))

        texts = all_corpus_texts()
        sp = speed(model, texts)
        figures.update(sp, n_speed_items=len(texts),
                       speed_mean_chars=round(sum(map(len, texts)) / len(texts)))
        print(f"\nbatch prediction over {len(texts)} real items (mean {figures['speed_mean_chars']} "
              f"chars): {sp['items_per_s_1_thread']:,} items/s on 1 thread, "
              f"{sp['items_per_s_2_threads']:,} items/s on 2 threads (cores: {os.cpu_count()})")

        figures["peak_rss_mb_main"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(f"peak RSS so far (3 trainings incl. seeds + weak, 17k-item prediction): "
              f"{figures['peak_rss_mb_main']} MB")

        if args.variants:
            print("\nvariants (trained on seeds; dev_gold macro-F1, seed-CV macro-F1):")
            figures["variants"] = {}
            for name, kw in VARIANTS.items():
                t = time.perf_counter()
                mv = train(seeds, config=ModelConfig(**kw))
                secs = time.perf_counter() - t
                mm = evaluate(mv, dev)
                figures["variants"][name] = {"dev": mm.to_json(), "seed_cv": seed_cv(mv)}
                extra = f"  cv {seed_cv(mv):.3f}  {secs:.1f} s"
                if name.startswith(("default", "union:", "no gazetteer")):
                    px = proxy_metrics(mv)
                    figures["variants"][name]["weak_label_proxy"] = px
                    extra += "  | weak-label proxy AUC/F1: " + "  ".join(
                        f"{k[:-4]} {px[k]:.3f}/{px[k[:-4] + '_f1']:.3f}"
                        for k in px if k.endswith("_auc"))
                print(line(name, mm, extra))
            print("\nweak-data variants (seeds + weak; dev_gold):")
            for w, neg in ((0.05, False), (0.1, False), (0.3, False), (0.5, False), (1.0, False),
                           (0.1, True)):
                weak_v, _ = load_weak(guard, w, asnd_politics_negative=neg)
                mv = train(seeds + weak_v)
                mm = evaluate(mv, dev)
                name = f"weak w={w}" + (" + ASND politics as not-security" if neg else "")
                figures["variants"][name] = {"dev": mm.to_json()}
                print(line(name, mm))

    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"\npeak RSS (whole run): {figures['peak_rss_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

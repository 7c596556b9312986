"""``nashra classifier train|evaluate|predict|explain``: argparse wiring and the commands.

The aggregator's CLI owns the program: it calls ``add_arguments(subparsers)`` to get the
``classifier`` command, and ``run(args, model_path=..., extra_examples=...)`` to execute it,
passing the weak examples from its store and the user's corrections (those go last, so they win
over seeds on the same story). This module knows nothing about feeds or the store.

Exit codes: 0 ok, 2 bad input (unreadable or invalid data file, empty text, unusable model file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from nashra.classifier.examples import TOPIC_LABELS_AR, Example, item_text, load_jsonl, load_seeds
from nashra.classifier.model import TopicModel
from nashra.classifier.persist import IncompatibleModel, ModelError, load, save


def add_arguments(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``classifier`` command (with its sub-commands) to an argparse sub-parser set."""
    p = subparsers.add_parser("classifier", help="train, evaluate and try the topic classifier",
                              description="The topic classifier (arab_world, international, "
                                          "security): train, evaluate, predict, explain.")
    sub = p.add_subparsers(dest="classifier_command", metavar="COMMAND", required=True)
    t = sub.add_parser("train", help="train the model from seeds, feed weak labels, corrections "
                                     "and --data files")
    t.add_argument("--data", type=Path, action="extend", nargs="+", default=[], metavar="FILE.jsonl",
                   help='extra labelled items, one {"title", "summary", "labels"} per line '
                        "(repeatable; they win over seeds on the same story)")
    t.add_argument("--model", type=Path, metavar="PATH", help="where to write the model "
                                                              "(default: the configured path)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    e = sub.add_parser("evaluate", help="precision/recall/F1 of the current model on a file")
    e.add_argument("--data", type=Path, required=True, metavar="FILE.jsonl")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--model", type=Path, metavar="PATH")
    pr = sub.add_parser("predict", help="topics and scores of a text")
    pr.add_argument("text", nargs="+", metavar="TEXT", help="title and/or summary")
    pr.add_argument("--model", type=Path, metavar="PATH")
    ex = sub.add_parser("explain", help="the features that pushed each topic up or down")
    ex.add_argument("text", nargs="+", metavar="TEXT")
    ex.add_argument("--top", type=int, default=8, help="features per topic (default 8)")
    ex.add_argument("--model", type=Path, metavar="PATH")
    return p


def run(args: argparse.Namespace, *, model_path: Path, extra_examples: list[Example],
        stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Execute a parsed ``classifier`` command; returns the process exit code."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    path = Path(getattr(args, "model", None) or model_path)
    try:
        if args.classifier_command == "train":
            extra = [ex for f in args.data for ex in load_jsonl(f, source="data")]
            # store examples (weak + corrections) after --data so that corrections stay last
            weak = [e for e in extra_examples if e.source != "correction"]
            corrections = [e for e in extra_examples if e.source == "correction"]
            model = _train(load_seeds() + weak + extra + corrections, err,
                           progress=not args.no_progress)
            save(model, path)
            md = model.metadata
            print(f"trained on {md['n_examples']} examples "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(md['sources'].items()))}) "
                  f"in {md['train_seconds']:.1f} s; saved {path}", file=out)
            cv = md["metrics"]["cross_validation"]
            print("cross-validated F1 on the training data: " + ", ".join(
                f"{t} {cv[t]['f1']:.3f}" for t in model.topics), file=out)
            return 0
        if args.classifier_command == "evaluate":
            examples = load_jsonl(args.data, source="eval")
            if not examples:
                print(f"error: {args.data}: no items to evaluate", file=err)
                return 2
            from nashra.classifier.evaluate import evaluate

            metrics = evaluate(_model(path, extra_examples, err), examples)
            if args.json:
                print(json.dumps(metrics.to_json(), ensure_ascii=False), file=out)
            else:
                print(f"{len(examples)} items   micro-F1 {metrics.micro_f1:.3f}   "
                      f"macro-F1 {metrics.macro_f1:.3f}", file=out)
                for t, m in metrics.topics.items():
                    print(f"  {t:14s} {TOPIC_LABELS_AR[t]:14s} P {m.precision:.3f}  "
                          f"R {m.recall:.3f}  F1 {m.f1:.3f}  n={m.support}", file=out)
            return 0
        text = " ".join(args.text).strip()
        if not text:
            print("error: empty text", file=err)
            return 2
        model = _model(path, extra_examples, err)
        # a bare argument is treated as a title; the model sees what a feed item would give
        text = item_text(text, "")
        if args.classifier_command == "predict":
            scores = model.predict_scores([text])[0]
            thresholds = model.thresholds
            for t in model.topics:
                mark = "*" if scores[t] >= thresholds[t] else " "
                print(f"{mark} {t:14s} {TOPIC_LABELS_AR[t]:14s} {scores[t]:.3f}  "
                      f"(threshold {thresholds[t]:.2f})", file=out)
            if not any(scores[t] >= thresholds[t] for t in model.topics):
                print("  -> other (no topic)", file=out)
            return 0
        if args.classifier_command == "explain":
            scores = model.predict_scores([text])[0]
            for t, feats in model.explain(text, top=args.top).items():
                print(f"{t} ({TOPIC_LABELS_AR[t]}) score {scores[t]:.3f}", file=out)
                for name, w in feats:
                    print(f"   {'+' if w > 0 else '-'} {abs(w):.4f}  {name}", file=out)
            return 0
    except IncompatibleModel as exc:
        print(f"error: {exc}", file=err)
        return 2
    except (ModelError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    print(f"error: unknown classifier command {args.classifier_command!r}", file=err)
    return 2


def _train(examples: list[Example], err: TextIO, progress: bool = True) -> TopicModel:
    from nashra.classifier.train import train

    if not progress:
        return train(examples)
    from tqdm import tqdm

    bar = tqdm(total=1, desc="training", unit="step", file=err, leave=False)

    def report(done: int, total: int, what: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(what, refresh=False)
        bar.refresh()

    try:
        return train(examples, progress=report)
    finally:
        bar.close()


def _model(path: Path, extra_examples: list[Example], err: TextIO) -> TopicModel:
    """The model at ``path``; when there is none, train the default one and save it there."""
    if path.exists():
        return load(path)
    print(f"no model at {path}: training the default model (seeds + "
          f"{len(extra_examples)} examples from feeds and corrections) first", file=err)
    weak = [e for e in extra_examples if e.source != "correction"]
    corrections = [e for e in extra_examples if e.source == "correction"]
    model = _train(load_seeds() + weak + corrections, err)
    save(model, path)
    print(f"saved {path}", file=err)
    return model

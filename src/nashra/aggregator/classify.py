"""The classify stage: topics and scores for every stored item, from the classifier library.

The model lives at `classifier.model`; when there is none (first start) the default one is trained from the
shipped seeds, the weak labels of feeds with a `section:`, and the user's corrections (under a second on two
cores). A corrupt or incompatible model is set aside and replaced the same way, so polling never stops on
it. Corrections (`classifier.corrections`, JSONL) win over everything: over the model's guess at once, and
in the next training.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from nashra.classifier.examples import (TOPICS, Example, correction_example, item_text, load_jsonl, load_seeds,
                                        weak_example)
from nashra.classifier.model import TopicModel
from nashra.classifier.persist import ModelError, load, save
from nashra.classifier.train import train

from .config import Config
from .identify import content_hash
from .publish.output import atomic_write
from .store import Store
from .store import topics as topic_store
from .store.schema import feeds, items

log = logging.getLogger("nashra.classify")
WEAK_PER_SECTION = 5000


@dataclass(frozen=True)
class Scored:
    item_id: int
    scores: dict[str, float]
    chosen: frozenset[str]


def load_corrections(path: Path) -> list[Example]:
    if not path.exists():
        return []
    return [correction_example(e.title, e.summary, e.labels) for e in load_jsonl(path, source="correction")]


def add_corrections(path: Path, texts: list[tuple[str, str]], labels: frozenset[str]) -> None:
    """Record (title, text) -> labels, replacing earlier corrections of the same texts; the file stays
    hand-editable JSONL."""
    keys = {content_hash(title, text) for title, text in texts}
    kept = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if content_hash(row.get("title", ""), row.get("summary", "")) not in keys:
                    kept.append(line)
    kept += [json.dumps({"title": title, "summary": text, "labels": sorted(labels)}, ensure_ascii=False)
             for title, text in texts]
    atomic_write(path, ("\n".join(kept) + "\n").encode("utf-8"))


def store_examples(conn: Connection) -> list[Example]:
    """Weak examples: items of feeds whose config gives a section, newest first, capped per section."""
    result = []
    for topic in TOPICS:
        rows = conn.execute(sa.select(items.c.title, items.c.text).join(feeds, feeds.c.id == items.c.feed_id)
                            .where(feeds.c.section == topic, feeds.c.active.is_(True))
                            .order_by(items.c.published.desc()).limit(WEAK_PER_SECTION))
        result += [weak_example(r.title, r.text, topic) for r in rows]
    return result


_WORKER_MODEL: tuple[tuple[str, int], TopicModel] | None = None  # a parse worker's copy, by (path, mtime)


def scores_in_worker(model_key: tuple[str, int] | None,
                     texts: list[tuple[str, str]]) -> list[dict[str, float]] | None:
    """In a parse worker process: (title, text) scores from the model file the daemon has loaded, so
    classifying runs on every core. None when that file has changed since (the daemon then scores itself,
    with the model whose thresholds it holds)."""
    global _WORKER_MODEL
    if model_key is None or not texts:
        return None
    if _WORKER_MODEL is None or _WORKER_MODEL[0] != model_key:
        path = Path(model_key[0])
        try:
            if path.stat().st_mtime_ns != model_key[1]:
                return None
            model = load(path)
            if path.stat().st_mtime_ns != model_key[1]:  # replaced while we read it
                return None
        except (OSError, ModelError):
            return None
        _WORKER_MODEL = (model_key, model)
    return _WORKER_MODEL[1].predict_scores([item_text(title, text) for title, text in texts])


class TopicStage:
    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.model: TopicModel | None = None
        self.model_key: tuple[str, int] | None = None  # (path, mtime) of the file `model` was loaded from
        self.corrections: dict[str, frozenset[str]] = {}

    def training_examples(self) -> list[Example]:
        with self.store.engine.connect() as conn:
            weak = store_examples(conn)
        return load_seeds() + weak + load_corrections(self.config.corrections_path)

    def train_default(self) -> TopicModel:
        examples = self.training_examples()
        log.info("training the topic model on %d examples", len(examples))
        model = train(examples)
        save(model, self.config.model_path)
        log.info("topic model saved to %s", self.config.model_path)
        return model

    def ensure_model(self) -> TopicModel | None:
        """The model, loaded or trained; None (and an error in the log) when neither works."""
        if self.model is not None:
            return self.model
        path = self.config.model_path
        try:
            self.model = load(path) if path.exists() else None
        except ModelError as exc:
            aside = path.with_name(path.name + ".unusable")
            os.replace(path, aside)
            log.error("%s; moved it to %s and training the default model instead", exc, aside)
        try:
            if self.model is None:
                self.model = self.train_default()
        except (OSError, ValueError, ModelError) as exc:
            log.error("no topic model (items are stored without topics until one exists): %s", exc)
            return None
        self.corrections = {content_hash(e.title, e.summary): e.labels
                            for e in load_corrections(self.config.corrections_path)}
        try:
            self.model_key = (str(path), path.stat().st_mtime_ns)
        except OSError:
            self.model_key = None
        return self.model

    def score(self, rows: list[tuple[int, str, str]],
              computed: list[dict[str, float] | None] | None = None) -> list[Scored]:
        """(item id, title, text) -> topics; corrections win over the model. `computed`: scores the parse
        workers already got from this same model file, where they had it."""
        model = self.ensure_model()
        if model is None or not rows:
            return []
        all_scores = list(computed) if computed is not None else [None] * len(rows)
        missing = [k for k, scores in enumerate(all_scores) if scores is None]
        if missing:  # the workers had no model, or these rows came from a poll parsed here
            for k, scores in zip(missing, model.predict_scores([item_text(*rows[k][1:]) for k in missing])):
                all_scores[k] = scores
        thresholds = model.thresholds
        result = []
        for (item_id, title, text), scores in zip(rows, all_scores):
            corrected = self.corrections.get(content_hash(title, text)) if self.corrections else None
            if corrected is not None:
                scores = {t: (1.0 if t in corrected else 0.0) for t in TOPICS}
                chosen = corrected
            else:
                chosen = frozenset(t for t in TOPICS if scores[t] >= thresholds[t])
            result.append(Scored(item_id, scores, chosen))
        return result

    def save_scores(self, conn: Connection, rows: list[tuple[int, str, str]],
                    computed: list[dict[str, float] | None] | None = None, new: bool = False) -> None:
        topic_store.save(conn, [(s.item_id, s.scores, s.chosen) for s in self.score(rows, computed)],
                         replace=not new)

    def rescore(self, only_unscored: bool = False) -> int:
        """Score stored items again (after a retrain), in batches, one transaction each."""
        done, after = 0, 0
        unscored = None
        if only_unscored:
            with self.store.engine.connect() as conn:
                unscored = set(topic_store.unscored_ids(conn))
            if not unscored:
                return 0
        while True:
            with self.store.begin() as conn:
                batch = topic_store.all_item_texts(conn, after, 2000)
                if not batch:
                    return done
                after = batch[-1].id
                rows = [(r.id, r.title, r.text) for r in batch if unscored is None or r.id in unscored]
                self.save_scores(conn, rows)
                done += len(rows)

"""Item topics: the classifier's scores per item, and the stories' topics derived from them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .lists import insert_many
from .schema import item_topics, items


def save(conn: Connection, scored: list[tuple[int, dict[str, float], frozenset[str]]], replace: bool = True) -> None:
    """The topics of these items: (item id, scores per topic, chosen topics). `replace=False` for items just
    stored, which have none yet."""
    if not scored:
        return
    if replace:
        ids = [item_id for item_id, _, _ in scored]
        for start in range(0, len(ids), 500):
            conn.execute(item_topics.delete().where(item_topics.c.item_id.in_(ids[start:start + 500])))
    insert_many(conn, "item_topics", {"item_id": "int", "topic": "varchar", "score": "float8", "chosen": "bool"},
                [(item_id, topic, float(score), topic in chosen)
                 for item_id, scores, chosen in scored for topic, score in scores.items()])


def for_items(conn: Connection, item_ids: list[int]) -> dict[int, dict[str, tuple[float, bool]]]:
    """{item id: {topic: (score, chosen)}}."""
    result: dict[int, dict[str, tuple[float, bool]]] = {}
    for start in range(0, len(item_ids), 500):
        rows = conn.execute(sa.select(item_topics).where(item_topics.c.item_id.in_(item_ids[start:start + 500])))
        for row in rows:
            result.setdefault(row.item_id, {})[row.topic] = (row.score, row.chosen)
    return result


def unscored_ids(conn: Connection, limit: int = 100_000) -> list[int]:
    """Items without topics (stored before a model existed)."""
    scored = sa.select(item_topics.c.item_id)
    return list(conn.execute(sa.select(items.c.id).where(items.c.id.not_in(scored)).limit(limit)).scalars())


def all_item_texts(conn: Connection, after_id: int, limit: int) -> list[sa.Row]:
    """Items in id order, for re-scoring after a retrain."""
    return conn.execute(sa.select(items.c.id, items.c.title, items.c.text).where(items.c.id > after_id)
                        .order_by(items.c.id).limit(limit)).all()

"""`nashra stories list|split`: what the clustering decided, and how a person overrules it."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import sqlalchemy as sa

from .config import Config
from .publish import OutputError, publish_all
from .publish.stories import load_stories
from .store import Store, stories
from .update import utcnow


def parse_since(text: str, config: Config) -> datetime:
    """An ISO date or time; without a zone it is read in the configured time zone."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since: not an ISO date or time: {text!r} (e.g. 2026-11-28T06:00+03:00)") from None
    return when if when.tzinfo else when.replace(tzinfo=config.timezone)


def list_stories(config: Config, store: Store, *, since: str | None, limit: int, as_json: bool) -> int:
    try:
        since_at = parse_since(since, config) if since else None
    except ValueError as exc:
        print(f"nashra: {exc}", file=sys.stderr)
        return 2
    with store.engine.connect() as conn:
        views = load_stories(conn, limit, config.stories.representative, since=since_at)
    if as_json:
        data = [{"id": str(v.id), "title": v.representative.title, "published": v.founder.published.isoformat(),
                 "outlets": list(v.outlets),
                 "items": [{"id": i.id, "link": i.link, "feed": i.feed_name, "title": i.title,
                            "published": i.published.isoformat()} for i in v.items]} for v in views]
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    for view in views:
        when = view.founder.published.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M")
        print(f"[{view.id}] {when}  {view.representative.title}  ({len(view.items)} items, "
              f"{len(view.outlets)} outlets)")
        for item in view.items:
            print(f"    item {item.id}: {item.feed_name} — {item.link or item.title}")
    print(f"{len(views)} stories", file=sys.stderr)
    return 0


def republish(config: Config, store: Store) -> int:
    """Rebuild the outputs after a change made from the command line; 1 (with the reason) if that fails."""
    try:
        publish_all(config, store)
    except OutputError as exc:
        print(f"nashra: {exc}", file=sys.stderr)
        return 1
    return 0


def _find_item(conn, key: str) -> int | None:
    item_id = stories.find_item(conn, key)
    if item_id is None:
        print(f"nashra: no item {key!r} (give an item id from `nashra stories list`, or its link)", file=sys.stderr)
    return item_id


def split_story(config: Config, store: Store, key: str) -> int:
    with store.begin() as conn:
        item_id = _find_item(conn, key)
        if item_id is None:
            return 2
        story_id = stories.split_item(conn, item_id, utcnow())
    print(f"item {item_id} is now story {story_id} on its own; it will not be merged again")
    return republish(config, store)


def correct_story(config: Config, store: Store, key: str, labels: list[str]) -> int:
    """Record the topics of a story's items in the corrections file and apply them at once."""
    from nashra.classifier.examples import TOPICS

    from .classify import add_corrections
    from .store import topics as topic_store
    from .store.schema import items

    chosen = frozenset() if labels == ["none"] else frozenset(labels)
    if "none" in labels and len(labels) > 1 or chosen - set(TOPICS):
        print(f"nashra: topics must be some of {', '.join(TOPICS)}, or none; got {' '.join(labels)}",
              file=sys.stderr)
        return 2
    with store.begin() as conn:
        item_id = _find_item(conn, key)
        if item_id is None:
            return 2
        story_id = conn.execute(sa.select(items.c.story_id).where(items.c.id == item_id)).scalar()
        rows = conn.execute(sa.select(items.c.id, items.c.title, items.c.text).where(
            items.c.story_id == story_id if story_id is not None else items.c.id == item_id)).all()
        add_corrections(config.corrections_path, [(row.title, row.text) for row in rows], chosen)
        topic_store.save(conn, [(r.id, {t: float(t in chosen) for t in TOPICS}, chosen) for r in rows])
    shown = ", ".join(sorted(chosen)) or "none (other)"
    print(f"story of item {item_id}: topics set to {shown} for {len(rows)} items; recorded in "
          f"{config.corrections_path} (used by the next `nashra classifier train`)")
    return republish(config, store)

"""Stories as readers see them: one representative item, and the other outlets that carry the story."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from nashra.classifier.examples import TOPICS

from ..models import StoredItem
from ..store import stories as story_store
from ..store import topics as topic_store
from ..store.items import stored_item


@dataclass(frozen=True)
class StoryView:
    id: int
    founder: StoredItem  # the first item: gives the story its stable Atom id
    representative: StoredItem
    others: tuple[StoredItem, ...]  # other items, oldest first (other outlets, or re-posts)
    topics: tuple[str, ...] = ()  # in TOPICS order
    scores: tuple[tuple[str, float], ...] = ()  # mean score per topic over the story's items

    @property
    def primary_topic(self) -> str:
        """The story's strongest topic, or "other"."""
        if not self.topics:
            return "other"
        score = dict(self.scores)
        return max(self.topics, key=lambda t: (score.get(t, 0.0), -TOPICS.index(t)))

    @property
    def items(self) -> tuple[StoredItem, ...]:
        return (self.representative, *self.others)

    @property
    def outlets(self) -> tuple[str, ...]:
        """Distinct outlet names, the representative's first."""
        seen: dict[str, None] = {}
        for item in self.items:
            seen.setdefault(item.feed_name, None)
        return tuple(seen)


def pick_representative(items: list[StoredItem], mode: str) -> StoredItem:
    """`earliest` (default) or `longest` (most text; ties go to the earliest)."""
    if mode == "longest":
        return max(items, key=lambda i: (len(i.text), -i.published.timestamp(), -i.id))
    return min(items, key=lambda i: (i.published, i.id))


def story_topics(per_item: list[dict[str, tuple[float, bool]]]) -> tuple[tuple[str, ...], tuple[tuple[str, float], ...]]:
    """A topic is the story's when at least half of its scored items carry it; scores are averaged."""
    scored = [t for t in per_item if t]
    if not scored:
        return (), ()
    chosen = tuple(topic for topic in TOPICS
                   if 2 * sum(1 for t in scored if t.get(topic, (0.0, False))[1]) >= len(scored)
                   and any(t.get(topic, (0.0, False))[1] for t in scored))
    means = tuple((topic, sum(t.get(topic, (0.0, False))[0] for t in scored) / len(scored)) for topic in TOPICS)
    return chosen, means


def also_reported_html(view: StoryView) -> str:
    """A sanitised-by-construction paragraph linking the other outlets' copies."""
    links = []
    seen = {view.representative.feed_name}
    for item in view.others:
        if item.feed_name in seen:
            continue
        seen.add(item.feed_name)
        name = html.escape(item.feed_name)
        links.append(f'<a href="{html.escape(item.link)}">{name}</a>' if item.link else name)
    return f"<p>أوردته أيضاً: {'، '.join(links)}</p>" if links else ""


def load_stories(conn: Connection, limit: int, mode: str = "earliest", since: datetime | None = None,
                 until: datetime | None = None) -> list[StoryView]:
    """The newest stories (by first publication), each with its items."""
    ids = story_store.latest_ids(conn, limit, since, until)
    grouped = story_store.members(conn, ids)
    topics = topic_store.for_items(conn, [row.id for rows in grouped.values() for row in rows])
    views = []
    for story_id in ids:
        members = [stored_item(r) for r in grouped.get(story_id, [])]
        if not members:
            continue
        rep = pick_representative(members, mode)
        chosen, scores = story_topics([topics.get(m.id, {}) for m in members])
        views.append(StoryView(id=story_id, founder=members[0], representative=rep,
                               others=tuple(m for m in members if m.id != rep.id), topics=chosen, scores=scores))
    return views

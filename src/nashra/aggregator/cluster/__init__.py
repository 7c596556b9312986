"""The cluster stage: each new item joins the story it tells, or starts one.

MinHash over char 5-gram shingles of title + lede (format words like عاجل dropped), LSH with 32 bands x 4 rows
against the band index of the time window (in the store, so restarts and other workers see the same
stories and a lookup costs the same at 10^4 or 10^6 items), candidates confirmed by exact Jaccard. Runs
inside the poll's transaction: an item is stored and clustered together, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from ..store import stories
from .decide import MAX_STORY_ITEMS, SAME_STORY_JACCARD, Candidate, choose_story, same_template_other_day
from .minhash import band_keys, shingles, signature, similarity, story_text

__all__ = ["ClusterSettings", "NewItem", "assign_story"]


@dataclass(frozen=True)
class ClusterSettings:
    window: timedelta = timedelta(hours=72)
    threshold: float = SAME_STORY_JACCARD
    max_items: int = MAX_STORY_ITEMS


@dataclass(frozen=True)
class NewItem:
    id: int
    title: str
    text: str
    published: datetime
    content_hash: str


def assign_story(conn: Connection, item: NewItem, settings: ClusterSettings, now: datetime) -> int:
    """Put a newly stored item into a story; returns the story id."""
    own_text = story_text(item.title, item.text)
    own = shingles(own_text)
    keys = band_keys(signature(own))
    rows = stories.candidates(conn, keys, item.content_hash, item.published - settings.window,
                              item.published + settings.window, exclude=item.id)
    found = []
    for row in rows:
        other_text = story_text(row.title, row.text)
        score = similarity(own, shingles(other_text))
        if score >= settings.threshold and same_template_other_day(own_text, other_text):
            score = 0.0  # another edition of a recurring item, not this story
        found.append(Candidate(item_id=row.id, story_id=row.story_id, similarity=score,
                               story_size=row.item_count))
    best = choose_story(found, settings.threshold, settings.max_items)
    if best is None:
        story_id = stories.new_story(conn, item.id, item.published, now)
    else:
        story_id = best.story_id
        stories.join_story(conn, item.id, story_id, item.published)
    stories.add_bands(conn, item.id, keys, item.published)
    return story_id

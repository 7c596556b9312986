"""Which story a new item joins: a pure decision over its verified candidates."""

from __future__ import annotations

from dataclasses import dataclass

SAME_STORY_JACCARD = 0.5  # char-5 Jaccard of title + lede; 19/20 same-story by manual judgement at 0.5-0.6
MAX_STORY_ITEMS = 50  # a cap against run-away chaining (one boilerplate story swallowing a day)


@dataclass(frozen=True)
class Candidate:
    item_id: int
    story_id: int
    similarity: float
    story_size: int


def choose_story(candidates: list[Candidate], threshold: float = SAME_STORY_JACCARD,
                 max_size: int = MAX_STORY_ITEMS) -> Candidate | None:
    """The most similar candidate at or above the threshold whose story still has room; None: a new story."""
    best = None
    for cand in candidates:
        if cand.similarity < threshold or cand.story_size >= max_size:
            continue
        if best is None or (cand.similarity, -cand.item_id) > (best.similarity, -best.item_id):
            best = cand
    return best

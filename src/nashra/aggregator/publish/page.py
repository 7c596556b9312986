"""public/index.html: the latest stories by topic, with autodiscovery links to every Atom feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nashra.classifier.examples import TOPIC_LABELS_AR, TOPICS

from ..config import Config
from .render import render
from .stories import StoryView

OTHER_LABEL = "أخبار أخرى"
PER_SECTION = 30


@dataclass(frozen=True)
class PageSection:
    topic: str
    label: str
    stories: tuple[StoryView, ...]
    feed: bool  # has its own Atom feed


def page_sections(views: list[StoryView], per_section: int = PER_SECTION) -> list[PageSection]:
    """Each story once, under its strongest topic; newest first within a section."""
    sections = []
    for topic in (*TOPICS, "other"):
        chosen = tuple(v for v in views if v.primary_topic == topic)[:per_section]
        if chosen:
            sections.append(PageSection(topic=topic, label=TOPIC_LABELS_AR.get(topic, OTHER_LABEL),
                                        stories=chosen, feed=topic != "other"))
    return sections


def build_index(config: Config, views: list[StoryView], now: datetime) -> bytes:
    html = render("index.html", config.timezone, title=config.title, site_url=config.site_url,
                  sections=page_sections(views), updated=now, count=len(views),
                  topic_feeds=[{"id": t, "label": TOPIC_LABELS_AR[t]} for t in TOPICS])
    return html.encode("utf-8")

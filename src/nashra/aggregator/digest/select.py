"""What goes into a day's digest: a pure function of the day's stories.

Each story once, in the section of its strongest topic (Arab World, International, Security, then other);
within a section, stories carried by more outlets first, then the most recent. Sections are capped so the
email stays under Gmail's clipping size; the rest is counted, not dropped silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from nashra.classifier.examples import TOPIC_LABELS_AR, TOPICS

from ..publish.stories import StoryView

SECTION_ORDER = (*TOPICS, "other")
SECTION_LABELS = {**TOPIC_LABELS_AR, "other": "أخبار أخرى"}


@dataclass(frozen=True)
class DigestSection:
    topic: str
    label: str
    stories: tuple[StoryView, ...]
    more: int  # stories of this section left out by the cap


@dataclass(frozen=True)
class ChartBar:
    label: str
    count: int
    percent: int  # of the largest bar, for the CSS width


@dataclass(frozen=True)
class Digest:
    day: date
    start: datetime
    end: datetime
    sections: tuple[DigestSection, ...]
    chart: tuple[ChartBar, ...]
    outlets: tuple[tuple[str, int], ...]  # outlet, items that day
    stories: int
    items: int

    @property
    def top_titles(self) -> list[str]:
        return [s.representative.title for sec in self.sections for s in sec.stories][:3]


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The day from local midnight to local midnight, whatever the offset does in between."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def select_digest(views: list[StoryView], day: date, zone: tzinfo, max_per_section: int = 12) -> Digest:
    start, end = day_bounds(day, zone)
    todays = [v for v in views if start <= v.founder.published < end]
    ranked = sorted(todays, key=lambda v: (-len(v.outlets), -v.founder.published.timestamp(), v.id))
    sections = []
    for topic in SECTION_ORDER:
        chosen = [v for v in ranked if v.primary_topic == topic]
        if chosen:
            sections.append(DigestSection(topic=topic, label=SECTION_LABELS[topic],
                                          stories=tuple(chosen[:max_per_section]),
                                          more=max(0, len(chosen) - max_per_section)))
    # the chart counts every story under each of its topics: it answers "how much security news was there"
    counts = {topic: sum(1 for v in todays if topic in v.topics) for topic in TOPICS}
    counts["other"] = sum(1 for v in todays if not v.topics)
    peak = max(counts.values(), default=0) or 1
    chart = tuple(ChartBar(SECTION_LABELS[t], counts[t], round(100 * counts[t] / peak)) for t in SECTION_ORDER)
    outlets = Counter(item.feed_name for v in todays for item in v.items)
    return Digest(day=day, start=start, end=end, sections=tuple(sections), chart=chart,
                  outlets=tuple(sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))),
                  stories=len(todays), items=sum(len(v.items) for v in todays))

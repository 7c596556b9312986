"""When to poll a feed next: pure functions of what we know, tested without a clock or a network.

On success the interval follows the feed's own rate of publishing (the mean gap between its newest items),
raised to its RSS <ttl> or Cache-Control max-age when the publisher asks for less traffic, and clamped to
[min, max]. On errors it backs off exponentially from the minimum, with jitter, capped, and honours
Retry-After; a feed is never given up (only a 410 stops polling, and `status` shows why).
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from .config import ScheduleConfig

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*(\d+)", re.I)


def cache_max_age(cache_control: str | None) -> float | None:
    """Seconds from Cache-Control max-age, ignored when the response may not be reused."""
    if not cache_control or re.search(r"no-cache|no-store", cache_control, re.I):
        return None
    match = _MAX_AGE.search(cache_control)
    return float(match.group(1)) if match else None


def publishing_gap(times: list[datetime]) -> float | None:
    """Mean seconds between a feed's newest publication times; None with fewer than two."""
    if len(times) < 2:
        return None
    newest, oldest = max(times), min(times)
    return max((newest - oldest).total_seconds() / (len(times) - 1), 0.0)


def next_check_after_success(now: datetime, cfg: ScheduleConfig, *, item_times: list[datetime],
                             ttl_minutes: int | None = None, max_age: float | None = None,
                             rng: random.Random | None = None) -> datetime:
    low, high = cfg.min_interval_minutes * 60, cfg.max_interval_hours * 3600
    gap = publishing_gap(item_times)
    interval = high if gap is None else gap
    for floor in (ttl_minutes * 60 if ttl_minutes else None, max_age):
        if floor:
            interval = max(interval, floor)
    interval = min(max(interval, low), high)
    jitter = (rng or random).uniform(0.95, 1.05)  # spreads feeds added together over time
    return now + timedelta(seconds=min(interval * jitter, high))


def next_check_after_error(now: datetime, cfg: ScheduleConfig, *, error_count: int,
                           retry_after: float | None = None, rng: random.Random | None = None) -> datetime:
    """`error_count` counts this error too (1 after the first failure)."""
    low, cap = cfg.min_interval_minutes * 60, cfg.max_backoff_hours * 3600
    backoff = min(low * 2 ** max(error_count - 1, 0), cap)
    backoff *= (rng or random).uniform(0.8, 1.2)
    if retry_after:
        backoff = max(backoff, min(retry_after, cap))
    return now + timedelta(seconds=min(max(backoff, low * 0.8), cap * 1.2))

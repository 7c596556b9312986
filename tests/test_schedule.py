"""The pure scheduling decisions."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from nashra.aggregator.config import ScheduleConfig
from nashra.aggregator.schedule import (cache_max_age, next_check_after_error, next_check_after_success,
                                        publishing_gap)

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
CFG = ScheduleConfig(min_interval_minutes=10, max_interval_hours=24, max_backoff_hours=24)


def minutes(when: datetime) -> float:
    return (when - NOW).total_seconds() / 60


def times(gap_minutes: float, n: int = 10) -> list[datetime]:
    return [NOW - timedelta(minutes=gap_minutes * i) for i in range(n)]


def test_interval_follows_the_feeds_rate_within_bounds():
    rng = random.Random(1)
    assert 55 < minutes(next_check_after_success(NOW, CFG, item_times=times(60), rng=rng)) < 65
    assert 9.5 <= minutes(next_check_after_success(NOW, CFG, item_times=times(1), rng=rng)) <= 10.5
    assert minutes(next_check_after_success(NOW, CFG, item_times=times(60 * 72), rng=rng)) <= 24 * 60
    assert minutes(next_check_after_success(NOW, CFG, item_times=[], rng=rng)) > 22 * 60


def test_ttl_and_max_age_ask_for_less_traffic():
    rng = random.Random(2)
    assert minutes(next_check_after_success(NOW, CFG, item_times=times(5), ttl_minutes=120, rng=rng)) > 110
    assert minutes(next_check_after_success(NOW, CFG, item_times=times(5), max_age=3600, rng=rng)) > 55
    assert cache_max_age("public, max-age=600") == 600
    assert cache_max_age("no-cache, max-age=600") is None and cache_max_age(None) is None


def test_errors_back_off_exponentially_capped_and_never_stop():
    rng = random.Random(3)
    delays = [minutes(next_check_after_error(NOW, CFG, error_count=n, rng=rng)) for n in range(1, 15)]
    assert 8 <= delays[0] <= 12 and 16 <= delays[1] <= 24 and 32 <= delays[2] <= 48
    assert max(delays) <= 24 * 60 * 1.2 and delays[-1] >= 24 * 60 * 0.8  # capped, still polled


def test_retry_after_is_honoured_up_to_the_cap():
    rng = random.Random(4)
    assert minutes(next_check_after_error(NOW, CFG, error_count=1, retry_after=7200, rng=rng)) >= 120
    assert minutes(next_check_after_error(NOW, CFG, error_count=1, retry_after=10 ** 9, rng=rng)) <= 24 * 60 * 1.2


def test_publishing_gap():
    assert publishing_gap([]) is None and publishing_gap([NOW]) is None
    assert publishing_gap(times(30, 5)) == 30 * 60

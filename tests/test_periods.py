"""Periods and ranking (feeds/periods.py): day and week numbers and their inverse, period names
in URLs and back, the order of scores, the newest date a document shows."""

from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import article_fields, seed_text
from hypothesis import given
from hypothesis import strategies as st

from feeds.ingest.seed import parse_seed
from feeds.periods import (
    DAY,
    DAY_SECONDS,
    EPOCH,
    digest_rank,
    is_period_key,
    newest_update,
    period_key,
    period_number,
    period_start,
    ranks,
    week_number,
)

days = st.dates(min_value=date(1971, 1, 1), max_value=date(9998, 12, 1))


def day_number(day: date) -> int:
    """The day's number since 1970-01-01, as the index counts it (from a timestamp)."""
    moment = datetime(day.year, day.month, day.day, 13, tzinfo=UTC)
    return int(moment.timestamp() // DAY_SECONDS)


@given(days)
def test_a_week_starts_on_the_monday_of_its_iso_week_and_holds_the_day(day):
    start = period_start(week_number(day_number(day)), weekly=True)
    assert start.weekday() == 0 and start.time() == datetime.min.time()
    assert start.date() <= day < start.date() + timedelta(days=7)
    assert start.isocalendar()[:2] == day.isocalendar()[:2]


@given(days, st.booleans())
def test_a_period_start_is_the_inverse_of_its_number(day, weekly):
    number = period_number(day_number(day), weekly)
    start = period_start(number, weekly)
    assert period_number(int((start - EPOCH) // DAY), weekly) == number
    assert period_number(int((start - EPOCH) // DAY) - 1, weekly) == number - 1


@given(days, st.sampled_from(["daily", "weekly"]))
def test_a_period_key_names_a_period_that_reads_back(day, digest):
    key = period_key(digest, day)
    assert is_period_key(key, digest)
    assert not is_period_key(key, "weekly" if digest == "daily" else "daily")


def test_period_keys_are_written_as_urls_name_them():
    assert period_key("daily", date(2026, 11, 30)) == "2026-11-30"
    assert period_key("weekly", date(2026, 11, 30)) == "2026-W49"
    assert period_key("weekly", date(2027, 1, 1)) == "2026-W53"  # ISO: the week of its Thursday


@pytest.mark.parametrize("text, digest", [
    ("2026-02-30", "daily"), ("2026-13-01", "daily"), ("2026-1-01", "daily"),
    ("2026-11-30\n", "daily"), ("\uff12\uff10\uff12\uff16-11-30", "daily"), ("", "daily"),
    ("2026-W54", "weekly"), ("2026-W00", "weekly"), ("2025-W53", "weekly"),
    ("2026-w48", "weekly"), ("2026-W4", "weekly"), ("2026-W48 ", "weekly"),
])
def test_a_name_of_no_real_day_or_week_is_no_period(text, digest):
    assert not is_period_key(text, digest)


def test_ranks_put_the_highest_score_first_ties_by_position_and_none_last():
    scores = [None, 5.0, 9.0, 5.0, None, -1.0, 0.0]
    ranked = ranks(scores)
    assert sorted(range(len(scores)), key=ranked.__getitem__) == [2, 1, 3, 6, 5, 0, 4]
    assert sorted(ranked) == list(range(len(scores)))


def _article(n: int, heat: float | None, quality: float | None, updated: str = ""):
    """A real article read from a seed with these scores."""
    fields = article_fields(n, heat=heat, quality=quality,
                            updatedDateTime=updated or None)
    return parse_seed(seed_text(**fields), f"{n}.md")


def test_a_digest_ranks_by_heat_then_quality_then_position():
    articles = [_article(1, 10, 1), _article(2, None, 99), _article(3, 10, 50),
                _article(4, 10, None), _article(5, 20, None), _article(6, 10, 50)]
    order = sorted(range(len(articles)), key=lambda p: digest_rank(articles[p], p))
    assert order == [4, 2, 5, 0, 3, 1]


class _Period:
    """A digest period as newest_update sees it: only when it last changed."""

    def __init__(self, updated: datetime):
        self.updated = updated


def test_the_newest_update_of_articles_and_periods_is_theirs_never_the_clock():
    older = _article(1, None, None, "2024-03-01T00:00:00Z")
    newer = _article(2, None, None, "2024-05-01T00:00:00Z")
    assert newest_update([older, newer]) == datetime(2024, 5, 1, tzinfo=UTC)
    later = datetime(2024, 6, 1, tzinfo=UTC)
    assert newest_update([older, _Period(later)]) == later
    assert newest_update([]) == EPOCH

"""Periods and ranking in one home: UTC days and Monday weeks numbered from the epoch, a period's
name in URLs and back, the order of scores, and the newest date a document shows."""

import re
from array import array
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from .model import Article

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
DAY_SECONDS = 86400
_DAY_KEY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WEEK_KEY = re.compile(r"([0-9]{4})-W([0-9]{2})")


def week_number(day: int) -> int:
    """The Monday-based week of a day numbered from 1970-01-01 (a Thursday)."""
    return (day + 3) // 7


def period_number(day: int, weekly: bool) -> int:
    """The number of the day's period: the day's own (since 1970-01-01), or its week's."""
    return week_number(day) if weekly else day


def period_start(number: int, weekly: bool) -> datetime:
    """The first moment of a numbered period (the inverse of period_number)."""
    return EPOCH + (DAY * (number * 7 - 3) if weekly else DAY * number)


def period_key(digest: str, day: date) -> str:
    """The name in URLs of the period of that kind (daily, weekly) that holds day: 2026-11-30,
    or the ISO week 2026-W48."""
    if digest == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def is_period_key(text: str, digest: str) -> bool:
    """Whether text names a real day (daily) or ISO week (weekly), as period_key writes it."""
    try:
        if digest == "daily":
            return bool(_DAY_KEY.fullmatch(text)) and bool(date.fromisoformat(text))
        match = _WEEK_KEY.fullmatch(text)
        return match is not None and bool(date.fromisocalendar(int(match[1]), int(match[2]), 1))
    except ValueError:
        return False


def order_key(article: Article) -> tuple[float, str]:
    """Where an article stands in a feed: newest publishedDateTime first, ties by URL."""
    return -article.published_at.timestamp(), article.url


def highest_first(score: float | None) -> tuple[bool, float]:
    """A score's place in a ranking: highest first, none after every scored one."""
    return score is None, -(score or 0)


def ranks(scores: Sequence[float | None]) -> "array[int]":
    """Each position's rank by score, highest first; ties by position (newer, then URL);
    articles without the score after every scored one."""
    places = [highest_first(score) for score in scores]
    order = sorted(range(len(scores)), key=places.__getitem__)  # stable: ties keep positions
    ranked = array("I", bytes(4 * len(order)))
    for rank, position in enumerate(order):
        ranked[position] = rank
    return ranked


def digest_rank(article: Article, place: Any) -> tuple[bool, float, bool, float, Any]:
    """The digest's order: heat, then quality (highest first, none last), then its place in
    the feed (newer date first)."""
    return *highest_first(article.heat), *highest_first(article.quality), place


class Dated(Protocol):
    """What a document shows besides articles (a digest period): when it last changed."""

    @property
    def updated(self) -> datetime:
        """Its newest change."""


def newest_update(items: Iterable[Article | Dated]) -> datetime:
    """The newest updatedDateTime of articles, or of digest periods (their articles' and their
    end's): a date from the seeds, never the clock; the epoch for none."""
    return max((item.updated_at if isinstance(item, Article) else item.updated for item in items),
               default=EPOCH)

"""What a query picks from a section at a moment: articles in order, or digest periods."""

import bisect
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from ..model import ALL, PROVIDERS, TOPICS, Article
from ..periods import DAY as _DAY
from ..periods import digest_rank as _digest_rank
from ..periods import period_key
from ..periods import period_number as _period_number
from ..periods import period_start as _period_start
from .index import Index, index_of
from .query import Query
from .snapshot import EPOCH, Section, Snapshot


@dataclass(frozen=True, slots=True)
class Period:
    """One finished UTC day or ISO week of a digest, with its top matching articles."""

    digest: str  # daily or weekly
    start: datetime
    articles: tuple[Article, ...]  # ranked by heat, then quality, then newer date
    matching: int  # how many articles of the period match

    @property
    def end(self) -> datetime:
        """The moment the period ended: the next one's start."""
        return self.start + (_DAY * 7 if self.digest == "weekly" else _DAY)

    @property
    def key(self) -> str:
        """The period's name in URLs: 2026-11-30, or 2026-W48."""
        return period_key(self.digest, self.start.date())

    @property
    def updated(self) -> datetime:
        """When the period or one of its articles last changed: never the clock."""
        return max(self.end, *(article.updated_at for article in self.articles))


class ArticleSelection:
    """The articles a query picks, in its order, and when the clock alone changes them."""

    def __init__(self, articles: Sequence[Article], positions: Sequence[int] | None = None,
                 changes_at: datetime | None = None):
        self._articles = articles
        self._positions = positions  # which of articles, in order; None for all of them
        self.changes_at = changes_at

    def __len__(self) -> int:
        return len(self._articles if self._positions is None else self._positions)

    def entries(self, start: int, stop: int) -> tuple[Article, ...]:
        """The articles from start to stop."""
        if self._positions is None:
            return tuple(self._articles[start:stop])
        return tuple(self._articles[p] for p in self._positions[start:stop])


class DigestSelection:
    """The finished periods that have matching articles, newest first."""

    def __init__(self, index: Index, groups: list[tuple[int, list[int]]], query: Query,
                 changes_at: datetime | None):
        self._index = index
        self._groups = groups
        self._query = query
        self.changes_at = changes_at

    def __len__(self) -> int:
        return len(self._groups)

    def entries(self, start: int, stop: int) -> tuple[Period, ...]:
        """The periods from start to stop, with their top articles."""
        return tuple(self._period(number, members) for number, members in self._groups[start:stop])

    def period(self, key: str) -> Period | None:
        """The period named key (2026-11-30, 2026-W48), if it is finished and has articles."""
        for number, members in self._groups:
            if period_key(self._query.digest, _period_start(number, self._weekly).date()) == key:
                return self._period(number, members)
        return None

    @property
    def _weekly(self) -> bool:
        return self._query.digest == "weekly"

    def _period(self, number: int, members: list[int]) -> Period:
        """The period numbered number, holding the top of members."""
        articles = self._index.articles
        top = heapq.nsmallest(self._query.top, members, key=lambda p: _digest_rank(articles[p], p))
        return Period(self._query.digest, _period_start(number, self._weekly),
                      tuple(articles[p] for p in top), len(members))


Selection = ArticleSelection | DigestSelection


def select(snapshot: Snapshot, section: Section, query: Query, now: datetime) -> Selection:
    """What query picks from section at moment now."""
    if query.is_plain:
        return ArticleSelection(section.articles)
    index = index_of(snapshot)
    positions, changes_at = _matching(index, section, query, now)
    if query.digest:
        return _digest(index, positions, query, now, changes_at)
    if query.sort != "date":
        rank = index.heat_rank if query.sort == "heat" else index.quality_rank
        positions.sort(key=rank.__getitem__)
    return ArticleSelection(index.articles, positions, changes_at)


def _matching(index: Index, section: Section, query: Query,
              now: datetime) -> tuple[list[int], datetime | None]:
    """The positions that match, ascending (newest first), and when `since` drops the oldest."""
    narrowing: list[Iterable[int]] = [index.word(word) for word in query.words]
    if section.kind != ALL:
        narrowing.append(index.positions(section.kind, section.slug))
    if query.topics:
        narrowing.append(_union(index, TOPICS, query.topics))
    if query.providers:
        narrowing.append(_union(index, PROVIDERS, query.providers))
    excluded = (_union(index, TOPICS, query.exclude_topics)
                | _union(index, PROVIDERS, query.exclude_providers)
                | set().union(*(index.word(word) for word in query.without_words)))
    found = _at_least(index, _without(_intersection(narrowing, len(index.articles)), excluded),
                      query)
    if query.since is None:
        return found, None
    cutoff = (now - query.since.length).timestamp()
    stamps = index.timestamps
    found = found[:bisect.bisect_left(found, True, key=lambda p: stamps[p] < cutoff)]
    if not found:
        return found, None
    return found, datetime.fromtimestamp(stamps[found[-1]], UTC) + query.since.length


def _union(index: Index, kind: str, slugs: tuple[str, ...]) -> set[int]:
    """The positions of the articles in any of these sections."""
    return set().union(*(index.positions(kind, slug) for slug in slugs))


def _intersection(narrowing: list[Iterable[int]], size: int) -> set[int] | range:
    """The positions in every one of narrowing (every position when it is empty)."""
    if not narrowing:
        return range(size)
    ordered = sorted(narrowing, key=lambda found: len(found))  # type: ignore[arg-type]
    positions = set(ordered[0])
    for found in ordered[1:]:
        positions.intersection_update(found)
    return positions


def _without(positions: set[int] | range, excluded: set[int]) -> list[int]:
    """positions less excluded, ascending."""
    if isinstance(positions, range):
        return [p for p in positions if p not in excluded] if excluded else list(positions)
    return sorted(positions - excluded)


def _at_least(index: Index, positions: list[int], query: Query) -> list[int]:
    """The positions whose scores reach the query's minimums; no score (NaN) never does."""
    for lowest, scores in ((query.min_quality, index.quality), (query.min_heat, index.heat)):
        if lowest is not None:
            positions = [p for p in positions if scores[p] >= lowest]
    return positions


def _digest(index: Index, positions: list[int], query: Query, now: datetime,
            changes_at: datetime | None) -> DigestSelection:
    """The matching positions grouped by finished period, newest first."""
    weekly = query.digest == "weekly"
    numbers = index.weeks if weekly else index.days
    # Newest first, so each period's members are consecutive.
    groups = [(number, list(members))
              for number, members in groupby(positions, key=numbers.__getitem__)]
    current = _period_number((now - EPOCH) // _DAY, weekly)
    if groups and groups[0][0] >= current:  # unfinished: its item appears once it ends
        groups.pop(0)
        ends = _period_start(current + 1, weekly)
        changes_at = min(changes_at, ends) if changes_at else ends
    return DigestSelection(index, groups, query, changes_at)

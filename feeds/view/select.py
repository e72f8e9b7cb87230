"""What a query picks from a section at a moment: articles in order, or digest periods."""

import bisect
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from ..model import ALL, PROVIDERS, TOPICS, Article
from ..periods import DAY as _DAY
from ..periods import EPOCH, digest_rank, order_key, period_key
from ..periods import period_number as _period_number
from ..periods import period_start as _period_start
from .index import Index
from .lookups import Changed, score_key
from .query import Query
from .snapshot import Section, Snapshot


@dataclass(frozen=True, slots=True)
class Period:
    """One finished UTC day or ISO week of a digest, with its top matching articles."""

    digest: str  # daily or weekly
    start: datetime
    articles: tuple[Article, ...]  # ranked by heat, then quality, then newer date
    matching_count: int  # how many articles of the period match

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

    def __init__(self, lookups: Changed, groups: list[tuple[int, list[int]]], query: Query,
                 changes_at: datetime | None):
        self._articles = lookups.articles
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
        articles = self._articles
        top = heapq.nsmallest(self._query.top, members,
                              key=lambda p: digest_rank(articles[p], order_key(articles[p])))
        return Period(self._query.digest, _period_start(number, self._weekly),
                      tuple(articles[p] for p in top), len(members))


Selection = ArticleSelection | DigestSelection


def select(snapshot: Snapshot, section: Section, query: Query, now: datetime) -> Selection:
    """What query picks from section at moment now."""
    if query.is_plain:
        return ArticleSelection(section.articles)
    lookups = snapshot.lookups.of(snapshot)
    cutoff = None if query.since is None else (now - query.since.length).timestamp()
    found = _matching(lookups.index, section, query, cutoff, lookups.removed)
    if lookups.added:
        found = _with_added(lookups, found, section, query, cutoff)
    changes_at = None
    if query.since is not None and found:
        oldest = lookups.per_article("timestamps")[found[-1]]
        changes_at = datetime.fromtimestamp(oldest, UTC) + query.since.length
    if query.digest:
        return _digest(lookups, found, query, now, changes_at)
    if query.sort != "date":
        found = _by_score(lookups, found, query.sort)
    return ArticleSelection(lookups.articles, found, changes_at)


def _matching(index: Index, section: Section, query: Query, cutoff: float | None,
              removed: frozenset[int]) -> list[int]:
    """The index's positions that match, ascending (newest first), none of removed, none
    older than cutoff."""
    narrowing: list[Iterable[int]] = [index.word(word) for word in query.words]
    if section.kind != ALL:
        narrowing.append(index.positions(section.kind, section.slug))
    if query.topics:
        narrowing.append(_union(index, TOPICS, query.topics))
    if query.providers:
        narrowing.append(_union(index, PROVIDERS, query.providers))
    excluded = (_union(index, TOPICS, query.exclude_topics)
                | _union(index, PROVIDERS, query.exclude_providers)
                | set().union(*(index.word(word) for word in query.without_words)) | removed)
    found = _at_least(index, _without(_intersection(narrowing, len(index.articles)), excluded),
                      query)
    if cutoff is None:
        return found
    stamps = index.timestamps
    return found[:bisect.bisect_left(found, True, key=lambda p: stamps[p] < cutoff)]


def _with_added(lookups: Changed, found: list[int], section: Section, query: Query,
                cutoff: float | None) -> list[int]:
    """found with the positions of the added articles that match, in feed order."""
    merged = list(found)
    articles = lookups.articles
    for offset, article in enumerate(lookups.added):
        if _matches(article, section, query, cutoff):
            at = bisect.bisect_left(merged, order_key(article),
                                    key=lambda p: order_key(articles[p]))
            merged.insert(at, lookups.base + offset)
    return merged


def _matches(article: Article, section: Section, query: Query, cutoff: float | None) -> bool:
    """Whether one article is one the query picks from section (what the index finds)."""
    words = set(article.words.split())
    topics = {topic.slug for topic in article.topics}
    provider = {article.provider.slug} if article.provider else set()
    mine = {(TOPICS, slug) for slug in topics} | {(PROVIDERS, slug) for slug in provider}
    return (all(word in words for word in query.words)
            and (section.kind == ALL or (section.kind, section.slug) in mine)
            and (not query.topics or bool(topics & set(query.topics)))
            and (not query.providers or bool(provider & set(query.providers)))
            and not topics & set(query.exclude_topics)
            and not provider & set(query.exclude_providers)
            and not words & set(query.without_words)
            and _reaches(article.quality, query.min_quality)
            and _reaches(article.heat, query.min_heat)
            and (cutoff is None or article.published_at.timestamp() >= cutoff))


def _reaches(score: float | None, lowest: float | None) -> bool:
    """Whether a score reaches a minimum: no score never does."""
    return lowest is None or (score is not None and score >= lowest)


def _by_score(lookups: Changed, found: list[int], sort: str) -> list[int]:
    """found sorted by heat or quality, highest first, none last, then feed order."""
    index = lookups.index
    rank = index.heat_rank if sort == "heat" else index.quality_rank
    ranked = [p for p in found if p < lookups.base] if lookups.added else found
    ranked.sort(key=rank.__getitem__)
    articles = lookups.articles

    def key(position: int) -> tuple[bool, float, float, str]:
        article = articles[position]
        return score_key(article, article.heat if sort == "heat" else article.quality)

    for position in found:
        if position >= lookups.base:
            bisect.insort(ranked, position, key=key)
    return ranked


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


def _digest(lookups: Changed, positions: list[int], query: Query, now: datetime,
            changes_at: datetime | None) -> DigestSelection:
    """The matching positions grouped by finished period, newest first."""
    weekly = query.digest == "weekly"
    numbers = lookups.per_article("weeks" if weekly else "days")
    # Newest first, so each period's members are consecutive.
    groups = [(number, list(members))
              for number, members in groupby(positions, key=numbers.__getitem__)]
    current = _period_number((now - EPOCH) // _DAY, weekly)
    if groups and groups[0][0] >= current:  # unfinished: its item appears once it ends
        groups.pop(0)
        ends = _period_start(current + 1, weekly)
        changes_at = min(changes_at, ends) if changes_at else ends
    return DigestSelection(lookups, groups, query, changes_at)

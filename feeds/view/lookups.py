"""A snapshot's made-to-measure index, held with it: built on first use, or derived from the
previous snapshot's as that index plus the few articles listed and unlisted since."""

import threading
from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from ..model import Article
from ..periods import DAY_SECONDS, highest_first, order_key, week_number
from .index import Index

if TYPE_CHECKING:
    from .snapshot import Snapshot

# Past this many articles listed or unlisted since the index was built, the next snapshot's is
# built whole again (in the background, by the watcher's prepare()).
REBUILD_AFTER = 2000


@dataclass(frozen=True, slots=True)
class Changed:
    """An index of a base snapshot, with the articles listed since (newest first) and the base
    positions listed no longer: positions from len(index.articles) on name the added ones."""

    index: Index
    added: tuple[Article, ...] = ()
    removed: frozenset[int] = frozenset()

    @property
    def base(self) -> int:
        """How many articles the index holds; the added ones are numbered from here."""
        return len(self.index.articles)

    @property
    def articles(self) -> Sequence[Article]:
        """Every article by position: the index's, then the added ones."""
        return Joined(self.index.articles, self.added) if self.added else self.index.articles

    def per_article(self, name: str) -> Sequence[Any]:
        """One of the index's per-article arrays (timestamps, days, weeks), the added ones'
        values after it."""
        values: Sequence[Any] = getattr(self.index, name)
        if not self.added:
            return values
        stamps = [article.published_at.timestamp() for article in self.added]
        days = [int(stamp // DAY_SECONDS) for stamp in stamps]
        extra: dict[str, list[Any]] = {"timestamps": stamps, "days": days,
                                       "weeks": [week_number(day) for day in days]}
        return Joined(values, extra[name])


class Joined(Sequence[Any]):
    """Two sequences read as one."""

    __slots__ = ("_first", "_second", "_split")

    def __init__(self, first: Sequence[Any], second: Sequence[Any]):
        self._first, self._second, self._split = first, second, len(first)

    def __len__(self) -> int:
        return self._split + len(self._second)

    @overload
    def __getitem__(self, at: int) -> Any: ...
    @overload
    def __getitem__(self, at: slice) -> Sequence[Any]: ...

    def __getitem__(self, at: int | slice) -> Any:
        if isinstance(at, slice):
            return [self[i] for i in range(*at.indices(len(self)))]
        if at < 0:
            at += len(self)
        return self._first[at] if at < self._split else self._second[at - self._split]


class Lookups:
    """The holder of a snapshot's index: pickled empty, filled once whatever threads ask."""

    __slots__ = ("_lock", "_value")

    def __init__(self, value: Changed | None = None):
        self._lock = threading.Lock()
        self._value = value

    def __reduce__(self) -> tuple[type["Lookups"], tuple[()]]:
        return Lookups, ()

    def built(self) -> Changed | None:
        """The index if it is built, without building it."""
        return self._value

    def keep(self, index: Index) -> None:
        """Take index (read back from the parse cache, and checked) as the snapshot's."""
        self._value = Changed(index)

    def of(self, snapshot: "Snapshot") -> Changed:
        """The index of snapshot (whose holder this is), built on first use."""
        if (value := self._value) is not None:
            return value
        with self._lock:
            if self._value is None:
                self._value = Changed(Index(snapshot))
            return self._value


def derived_lookups(previous: Lookups, listed: Sequence[Article], removed: list[Article],
                    added: list[Article]) -> Lookups:
    """The holder of the next snapshot's index: the previous one's changed by the articles
    unlisted and listed since, or an empty one (built whole at first use) when there is
    none yet or too much has changed. listed is the next snapshot's site articles."""
    before = previous.built()
    if before is None:
        return Lookups()
    base = before.index.articles
    extra = list(before.added)
    gone = set(before.removed)
    for article in removed:
        at = bisect_left(extra, order_key(article), key=order_key)
        if at < len(extra) and extra[at] is article:
            del extra[at]
        elif (position := _position(base, article)) is None:
            return Lookups()  # not where it should be: build the index whole
        else:
            gone.add(position)
    for article in added:
        insort(extra, article, key=order_key)
    if len(extra) + len(gone) > REBUILD_AFTER or len(base) - len(gone) + len(extra) != len(
            listed):
        return Lookups()
    return Lookups(Changed(before.index, tuple(extra), frozenset(gone)))


def _position(base: Sequence[Article], article: Article) -> int | None:
    """Where article stands in the base's articles, if it does."""
    at = bisect_left(base, order_key(article), key=order_key)
    return at if at < len(base) and base[at] == article else None


def score_key(article: Article, score: float | None) -> tuple[bool, float, float, str]:
    """The order of a sort by that score: highest first, none last, then feed order."""
    return *highest_first(score), *order_key(article)



def index_of(snapshot: "Snapshot") -> Index:
    """The index of a snapshot's own articles, built whole now and kept (for the parse cache
    and tests; the corpus asks only when none is built)."""
    snapshot.lookups.keep(built := Index(snapshot))
    return built


def built_index(snapshot: "Snapshot") -> Index | None:
    """The snapshot's index if one is built whole for it, without building it."""
    value = snapshot.lookups.built()
    return value.index if value is not None and not value.added and not value.removed else None

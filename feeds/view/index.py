"""Lookups built once per snapshot, so that a made-to-measure feed costs no scan of every article.

Articles are named by their position in the snapshot's site list (newest first, ties by URL),
so a sorted list of positions is already in feed order. Positions are kept in compact arrays.
"""

import math
from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..model import ALL, Article
from ..periods import DAY_SECONDS as DAY
from ..periods import ranks as _ranks
from ..periods import week_number

if TYPE_CHECKING:
    from .snapshot import Snapshot


class Index:
    """A snapshot's positions by section and by search word, its dates, days and score ranks."""

    def __init__(self, snapshot: "Snapshot"):
        articles = snapshot.site.articles
        self.articles = articles
        where = {id(article): position for position, article in enumerate(articles)}
        self.sections = {
            (section.kind, section.slug): array("I", [where[id(a)] for a in section.articles])
            for section in snapshot.sections() if section.kind != ALL
        }
        self.words = _postings(articles)
        self.timestamps = array("d", [a.published_at.timestamp() for a in articles])
        self.days = array("q", [int(stamp // DAY) for stamp in self.timestamps])
        self.weeks = array("q", [week_number(day) for day in self.days])
        heat, quality = [a.heat for a in articles], [a.quality for a in articles]
        self.heat = _scores(heat)
        self.quality = _scores(quality)
        self.heat_rank = _ranks(heat)
        self.quality_rank = _ranks(quality)

    def positions(self, kind: str, slug: str) -> Sequence[int]:
        """The positions of a topic's or provider's articles (none for one it does not hold:
        a section listed since it was built)."""
        return self.sections.get((kind, slug), array("I"))

    def word(self, word: str) -> Sequence[int]:
        """The positions of the articles whose title or excerpt has word."""
        return self.words.get(word, array("I"))

    def fits(self, snapshot: "Snapshot") -> bool:
        """Whether this index is the one of snapshot: its articles, its sections, and no
        position past them (the check for one read back from the parse cache)."""
        count = len(snapshot.site.articles)
        positions = [*self.sections.values(), *self.words.values()]
        per_article = [self.timestamps, self.days, self.weeks, self.heat, self.quality,
                       self.heat_rank, self.quality_rank]
        sections = {(s.kind, s.slug) for s in snapshot.sections() if s.kind != ALL}
        return (self.articles is snapshot.site.articles and set(self.sections) == sections
                and all(type(word) is str for word in self.words)
                and all(type(v) is array and v.typecode == "I" for v in positions)
                and all(type(v) is array and len(v) == count for v in per_article)
                and all(not v or max(v) < count
                        for v in [*positions, self.heat_rank, self.quality_rank]))

    def nbytes(self) -> int:
        """The bytes the arrays hold (their lists and dicts come on top)."""
        arrays: list[array[Any]] = [
            *self.sections.values(), *self.words.values(), self.timestamps, self.days,
            self.weeks, self.heat, self.quality, self.heat_rank, self.quality_rank]
        return sum(len(values) * values.itemsize for values in arrays)


def _postings(articles: Sequence[Article]) -> dict[str, "array[int]"]:
    """For every search word, the positions of the articles that have it, ascending."""
    postings: dict[str, list[int]] = {}
    for position, article in enumerate(articles):
        for word in article.words.split():
            found = postings.get(word)
            if found is None:
                postings[word] = [position]
            else:
                found.append(position)
    return {word: array("I", found) for word, found in postings.items()}


def _scores(scores: list[float | None]) -> "array[float]":
    """Scores by position, NaN for none: no comparison with NaN holds, so none reaches any."""
    return array("d", [math.nan if score is None else score for score in scores])

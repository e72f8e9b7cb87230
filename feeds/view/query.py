"""A feed made to measure: the filters, order and digest a request asks for, in canonical form.

Equal queries are equal objects, and `pairs()` spells each one the same way (a fixed parameter
order, sorted slugs and words, defaults left out), so equivalent requests share one document.
"""

from dataclasses import dataclass
from datetime import timedelta

# The parameters a query reads, in the order canonical URLs give them.
PARAMETERS = ("topics", "providers", "exclude_topics", "exclude_providers", "q", "min_quality",
              "min_heat", "since", "sort", "digest", "top")
SORTS = ("date", "heat", "quality")
DIGESTS = ("daily", "weekly")
DEFAULT_TOP = 10
_UNIT_HOURS = {"w": 24 * 7, "d": 24, "h": 1}


@dataclass(frozen=True, slots=True)
class Span:
    """A length of time as `since` gives it, in its largest whole unit (48h is 2d)."""

    count: int
    unit: str  # h, d or w

    @classmethod
    def of_hours(cls, hours: int) -> "Span":
        """The span of so many hours, in the largest unit that divides it."""
        unit = next(u for u, size in _UNIT_HOURS.items() if hours % size == 0)
        return cls(hours // _UNIT_HOURS[unit], unit)

    @property
    def length(self) -> timedelta:
        """The span as a timedelta."""
        return timedelta(hours=self.count * _UNIT_HOURS[self.unit])

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


@dataclass(frozen=True, slots=True)
class Query:
    """What a request asks of a feed beyond its section and paging; the default asks nothing."""

    topics: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    exclude_topics: tuple[str, ...] = ()
    exclude_providers: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # each must appear in the title or the excerpt
    without_words: tuple[str, ...] = ()  # none may appear
    min_quality: float | None = None
    min_heat: float | None = None
    since: Span | None = None
    sort: str = "date"
    digest: str = ""  # daily, weekly, or none
    top: int = DEFAULT_TOP

    @property
    def is_plain(self) -> bool:
        """Whether the query asks nothing: the feed as it always was."""
        return self == PLAIN

    def pairs(self) -> list[tuple[str, str]]:
        """The canonical (parameter, value) pairs, in PARAMETERS order, defaults left out."""
        words = " ".join([*self.words, *(f"-{word}" for word in self.without_words)])
        values = {
            "topics": ",".join(self.topics), "providers": ",".join(self.providers),
            "exclude_topics": ",".join(self.exclude_topics),
            "exclude_providers": ",".join(self.exclude_providers), "q": words,
            "min_quality": number_text(self.min_quality), "min_heat": number_text(self.min_heat),
            "since": str(self.since or ""), "sort": "" if self.sort == "date" else self.sort,
            "digest": self.digest,
            "top": str(self.top) if self.digest and self.top != DEFAULT_TOP else "",
        }
        return [(name, values[name]) for name in PARAMETERS if values[name]]


PLAIN = Query()


def number_text(value: float | None) -> str:
    """A score as a URL or a title says it: 80, 72.5; '' for None."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))

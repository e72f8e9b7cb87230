"""What a query asks, in the words a feed title uses: "from Microsoft", "quality ≥ 80"."""

from collections.abc import Callable

from ..view.query import DEFAULT_TOP, Query, Span, number_text
from ..view.snapshot import Section, Snapshot

_UNITS = {"h": "hour", "d": "day", "w": "week"}


def describe(query: Query, snapshot: Snapshot) -> tuple[str, ...]:
    """The query's parts as a title lists them, in the order of its parameters."""
    topic = _namer(snapshot.topics)
    provider = _namer(snapshot.providers)
    parts = []
    if query.topics:
        parts.append(" or ".join(map(topic, query.topics)))
    if query.providers:
        parts.append("from " + " or ".join(map(provider, query.providers)))
    if query.exclude_topics:
        parts.append("not about " + " or ".join(map(topic, query.exclude_topics)))
    if query.exclude_providers:
        parts.append("not from " + " or ".join(map(provider, query.exclude_providers)))
    if query.words:
        parts.append(f"“{' '.join(query.words)}”")
    if query.without_words:
        parts.append(f"without “{' '.join(query.without_words)}”")
    if query.min_quality is not None:
        parts.append(f"quality ≥ {number_text(query.min_quality)}")
    if query.min_heat is not None:
        parts.append(f"heat ≥ {number_text(query.min_heat)}")
    if query.since:
        parts.append(_in_the_last(query.since))
    if query.sort != "date":
        parts.append(f"by {query.sort}")
    if query.digest:
        top = f", top {query.top}" if query.top != DEFAULT_TOP else ""
        parts.append(f"{query.digest} digest{top}")
    return tuple(parts)


def _namer(sections: dict[str, Section]) -> Callable[[str], str]:
    """A function from a slug to its section's name (the slug, for one that is gone)."""
    return lambda slug: sections[slug].name if slug in sections else slug


def _in_the_last(span: Span) -> str:
    """"last 24 hours", "last week"."""
    unit = _UNITS[span.unit]
    return f"last {unit}" if span.count == 1 else f"last {span.count} {unit}s"

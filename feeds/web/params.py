"""A request's made-to-measure parameters read into a Query, or an error that says what is
accepted. No regular expression from a request ever runs: words are looked up, not matched."""

import re
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from werkzeug.datastructures import MultiDict

from ..model import MAX_SLUG, PROVIDERS, TOPICS
from ..text import search_words
from ..view.query import DIGESTS, PARAMETERS, PLAIN, SORTS, Query, Span
from ..view.snapshot import Snapshot

MAX_SLUGS = 20
MAX_Q = 200
MAX_WORDS = 10
MAX_TOP = 50
_NUMBER = re.compile(r"-?[0-9]{1,6}(?:\.[0-9]{1,4})?")
_SPAN = re.compile(r"([0-9]{1,4})([hdw])")
_TOP = re.compile(r"[0-9]{1,2}")
_WHOLE = re.compile(r"[0-9]{1,9}")
_DAY_KEY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WEEK_KEY = re.compile(r"([0-9]{4})-W([0-9]{2})")
_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
_NAMES = {TOPICS: "topic", PROVIDERS: "provider"}
T = TypeVar("T")

ACCEPTED = {
    "topics": f"topics must list 1 to {MAX_SLUGS} topic slugs, separated by commas "
              "(topics=ai,copilot).",
    "providers": f"providers must list 1 to {MAX_SLUGS} provider slugs, separated by commas "
                 "(providers=example.com).",
    "exclude_topics": f"exclude_topics must list 1 to {MAX_SLUGS} topic slugs, separated by "
                      "commas.",
    "exclude_providers": f"exclude_providers must list 1 to {MAX_SLUGS} provider slugs, "
                         "separated by commas.",
    "q": f"q must hold 1 to {MAX_WORDS} words (runs of letters and digits) in at most {MAX_Q} "
         "characters; a word after '-' must not appear (q=copilot -excel).",
    "min_quality": "min_quality must be a number (min_quality=80).",
    "min_heat": "min_heat must be a number (min_heat=50).",
    "since": "since must be a whole number from 1 to 9999 followed by h, d or w "
             "(since=24h, since=7d, since=2w).",
    "sort": f"sort must be one of {', '.join(SORTS)}.",
    "digest": f"digest must be one of {', '.join(DIGESTS)}.",
    "top": f"top must be a whole number from 1 to {MAX_TOP}, given with digest.",
}


class BadQuery(Exception):
    """A query that cannot be answered: the status to answer and what to tell the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def whole_number(text: str, highest: int) -> int | None:
    """text as a whole number from 1 to highest, in at most 9 ASCII digits; else None."""
    return int(text) if _WHOLE.fullmatch(text) and 1 <= int(text) <= highest else None


def one_whole_number(args: MultiDict, name: str, highest: int, why: str = "") -> int | None:
    """The parameter name as a whole number from 1 to highest, None when absent; BadQuery
    (400, saying what is accepted, then why) unless it is given once and within bounds."""
    values = args.getlist(name)
    if not values:
        return None
    number = whole_number(values[0], highest) if len(values) == 1 else None
    if number is None:
        raise BadQuery(400, f"{name} must be given once, as a whole number from 1 to "
                            f"{highest}.{why}")
    return number


def read_query(args: MultiDict, snapshot: Snapshot) -> Query:
    """The Query that args ask for; unknown parameters are ignored."""
    given = _given(args)
    if not given:
        return PLAIN
    if "sort" in given and "digest" in given:
        raise BadQuery(400, "sort cannot be given with digest: a digest ranks each period by "
                            "heat, then quality, then newer date.")
    if "top" in given and "digest" not in given:
        raise BadQuery(400, ACCEPTED["top"])
    words, without_words = _words(given.get("q"))
    return Query(
        topics=_slugs(given, "topics", snapshot.topics, TOPICS),
        providers=_slugs(given, "providers", snapshot.providers, PROVIDERS),
        exclude_topics=_slugs(given, "exclude_topics", snapshot.topics, TOPICS),
        exclude_providers=_slugs(given, "exclude_providers", snapshot.providers, PROVIDERS),
        words=words,
        without_words=without_words,
        min_quality=_value(given, "min_quality", _number),
        min_heat=_value(given, "min_heat", _number),
        since=_value(given, "since", _span),
        sort=_value(given, "sort", _choice(SORTS)) or PLAIN.sort,
        digest=_value(given, "digest", _choice(DIGESTS)) or PLAIN.digest,
        top=_value(given, "top", _top) or PLAIN.top,
    )


def _given(args: MultiDict) -> dict[str, str]:
    """The known parameters with their one value; a 400 for one given twice or empty."""
    given = {}
    for name in PARAMETERS:
        values = args.getlist(name)
        if len(values) > 1:
            raise BadQuery(400, f"{name} may be given only once. {ACCEPTED[name]}")
        if values:
            if not values[0].strip():
                raise BadQuery(400, ACCEPTED[name])
            given[name] = values[0].strip()
    return given


def _value(given: dict[str, str], name: str, read: Callable[[str], T | None]) -> T | None:
    """The parameter read by read, None when absent; a 400 when read finds no value."""
    if name not in given:
        return None
    value = read(given[name])
    if value is None:
        raise BadQuery(400, ACCEPTED[name])
    return value


def _slugs(given: dict[str, str], name: str, known: dict, kind: str) -> tuple[str, ...]:
    """A comma list of slugs, lowercased, sorted, once each; a 404 for one that is not there."""
    if name not in given:
        return ()
    slugs = sorted({slug.strip().lower() for slug in given[name].split(",")} - {""})
    if not slugs or len(slugs) > MAX_SLUGS:
        raise BadQuery(400, ACCEPTED[name])
    for slug in slugs:
        if len(slug) > MAX_SLUG or slug not in known:
            shown = slug[:80] + ("..." if len(slug) > 80 else "")
            raise BadQuery(404, f"There is no {_NAMES[kind]} {shown!r} (in {name}). "
                                "Every feed is listed at /.")
    return tuple(slugs)


def _words(q: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(words that must appear, words that must not), sorted, from q."""
    if q is None:
        return (), ()
    if len(q) > MAX_Q:
        raise BadQuery(400, ACCEPTED["q"])
    wanted: set[str] = set()
    unwanted: set[str] = set()
    for token in q.split():
        (unwanted if token.startswith("-") else wanted).update(search_words(token))
    if not wanted | unwanted or len(wanted) + len(unwanted) > MAX_WORDS:
        raise BadQuery(400, ACCEPTED["q"])
    return tuple(sorted(wanted)), tuple(sorted(unwanted))


def _number(text: str) -> float | None:
    """A decimal number, as 80 or 72.5."""
    return float(text) if _NUMBER.fullmatch(text) else None


def _span(text: str) -> Span | None:
    """N hours, days or weeks, as 24h, 7d or 2w."""
    match = _SPAN.fullmatch(text)
    if not match or int(match[1]) == 0:
        return None
    return Span.of_hours(int(match[1]) * _HOURS[match[2]])


def _choice(choices: tuple[str, ...]) -> Callable[[str], str | None]:
    """A reader that accepts one of choices, in any case."""
    return lambda text: text.lower() if text.lower() in choices else None


def _top(text: str) -> int | None:
    """A whole number from 1 to MAX_TOP."""
    return int(text) if _TOP.fullmatch(text) and 1 <= int(text) <= MAX_TOP else None


_LISTS = ("topics", "providers", "exclude_topics", "exclude_providers")


def form_fields(args: MultiDict) -> MultiDict:
    """The form's fields as a query's parameters: choices joined into one list, empty fields
    and the defaults it always sends (sort=date, top without a digest) left out."""
    fields: MultiDict = MultiDict()
    for name in PARAMETERS:
        values = [value for value in args.getlist(name) if value.strip()]
        if name in _LISTS and values:
            values = [",".join(values)]
        for value in values:
            fields.add(name, value)
    if fields.get("sort") == PLAIN.sort:
        fields.poplist("sort")
    if "digest" not in fields or fields.get("top") == str(PLAIN.top):
        fields.poplist("top")
    return fields


def read_period(args: MultiDict, query: Query) -> str:
    """The digest period an HTML page asks for ('' for none), as 2026-11-30 or 2026-W48."""
    values = args.getlist("period")
    if not values:
        return ""
    accepted = ("period must be given once, with digest: a day (2026-11-30) for daily, "
                "an ISO week (2026-W48) for weekly.")
    if len(values) > 1 or not query.digest or not _is_period(values[0], query.digest):
        raise BadQuery(400, accepted)
    return values[0]


def _is_period(text: str, digest: str) -> bool:
    """Whether text names a real day (daily) or ISO week (weekly)."""
    try:
        if digest == "daily":
            return bool(_DAY_KEY.fullmatch(text)) and bool(date.fromisoformat(text))
        match = _WEEK_KEY.fullmatch(text)
        return match is not None and bool(date.fromisocalendar(int(match[1]), int(match[2]), 1))
    except ValueError:
        return False

"""A request's made-to-measure parameters read into a Query, or the RequestError that says what
is accepted. No regular expression from a request ever runs: words are looked up, not matched."""

import re
from collections.abc import Callable
from typing import TypeVar

from werkzeug.datastructures import MultiDict

from ..model import MAX_SLUG, PROVIDERS, TOPICS
from ..text import search_words
from ..view.query import DIGESTS, PARAMETERS, PLAIN, SORTS, Query, Span
from ..view.snapshot import Section, Snapshot
from .errors import RequestError

MAX_SLUGS = 20
MAX_Q = 200
MAX_WORDS = 10
MAX_TOP = 50
_NUMBER = re.compile(r"-?[0-9]{1,6}(?:\.[0-9]{1,4})?")
_SPAN = re.compile(r"([0-9]{1,4})([hdw])")
_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
_NAMES = {TOPICS: "topic", PROVIDERS: "provider"}
MAX_SHOWN = 80  # characters of a slug that is not there an answer shows
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


def whole_number(text: str, highest: int, digits: int = 9) -> int | None:
    """text as a whole number from 1 to highest, in at most digits ASCII digits; else None."""
    if not (text.isascii() and text.isdigit() and len(text) <= digits):
        return None
    return int(text) if 1 <= int(text) <= highest else None


def no_such(kind: str, shown: str, where: str = "", listed: str = "feed") -> RequestError:
    """The 404 for a section that is not there (shown as the caller quotes it), pointing to /."""
    return RequestError(404, f"There is no {_NAMES[kind]} {shown}{where}. "
                             f"Every {listed} is listed at /.")


def cut(text: str) -> str:
    """text as an answer shows it: MAX_SHOWN characters, then '...' when there are more."""
    return text[:MAX_SHOWN] + ("..." if len(text) > MAX_SHOWN else "")


def one_whole_number(args: MultiDict[str, str], name: str, highest: int, why: str = ""
                     ) -> int | None:
    """The parameter name as a whole number from 1 to highest, None when absent; RequestError
    (400, saying what is accepted, then why) unless it is given once and within bounds."""
    values = args.getlist(name)
    if not values:
        return None
    number = whole_number(values[0], highest) if len(values) == 1 else None
    if number is None:
        raise RequestError(400, f"{name} must be given once, as a whole number from 1 to "
                            f"{highest}.{why}")
    return number


def read_query(args: MultiDict[str, str], snapshot: Snapshot) -> Query:
    """The Query that args ask for; unknown parameters are ignored."""
    given = _given(args)
    if not given:
        return PLAIN
    if "sort" in given and "digest" in given:
        raise RequestError(400, "sort cannot be given with digest: a digest ranks each period by "
                            "heat, then quality, then newer date.")
    if "top" in given and "digest" not in given:
        raise RequestError(400, ACCEPTED["top"])
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


def _given(args: MultiDict[str, str]) -> dict[str, str]:
    """The known parameters with their one value; a 400 for one given twice or empty."""
    given = {}
    for name in PARAMETERS:
        values = args.getlist(name)
        if len(values) > 1:
            raise RequestError(400, f"{name} may be given only once. {ACCEPTED[name]}")
        if values:
            if not values[0].strip():
                raise RequestError(400, ACCEPTED[name])
            given[name] = values[0].strip()
    return given


def _value(given: dict[str, str], name: str, read: Callable[[str], T | None]) -> T | None:
    """The parameter read by read, None when absent; a 400 when read finds no value."""
    if name not in given:
        return None
    value = read(given[name])
    if value is None:
        raise RequestError(400, ACCEPTED[name])
    return value


def _slugs(given: dict[str, str], name: str, known: dict[str, Section], kind: str
           ) -> tuple[str, ...]:
    """A comma list of slugs, lowercased, sorted, once each; a 404 for one that is not there."""
    if name not in given:
        return ()
    slugs = sorted({slug.strip().lower() for slug in given[name].split(",")} - {""})
    if not slugs or len(slugs) > MAX_SLUGS:
        raise RequestError(400, ACCEPTED[name])
    for slug in slugs:
        if len(slug) > MAX_SLUG or slug not in known:
            raise no_such(kind, repr(cut(slug)), f" (in {name})")
    return tuple(slugs)


def _words(q: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(words that must appear, words that must not), sorted, from q."""
    if q is None:
        return (), ()
    if len(q) > MAX_Q:
        raise RequestError(400, ACCEPTED["q"])
    wanted: set[str] = set()
    unwanted: set[str] = set()
    for token in q.split():
        (unwanted if token.startswith("-") else wanted).update(search_words(token))
    if not wanted | unwanted or len(wanted) + len(unwanted) > MAX_WORDS:
        raise RequestError(400, ACCEPTED["q"])
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
    return whole_number(text, MAX_TOP, digits=2)


_LISTS = ("topics", "providers", "exclude_topics", "exclude_providers")


def form_fields(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """The form's fields as a query's parameters: choices joined into one list, empty fields
    and the defaults it always sends (sort=date, top without a digest) left out."""
    fields: MultiDict[str, str] = MultiDict()
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

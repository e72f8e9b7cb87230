"""Reading one seed file into an Article, or a SeedError saying why not."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..model import Article, SeedError
from ..text import (
    clean,
    http_url,
    shorten,
    without_controls,
    without_forbidden,
    yes_or_no,
)
from . import fastyaml
from .files import NotReadable, ReadFailed, TooLarge, read_bounded
from .media import MAX_EMBED, embed_url
from .parts import (
    MAX_TITLE,
    Invalid,
    read_images,
    read_provider,
    read_related,
    read_text,
    read_topics,
    shared,
    type_name,
)

MAX_SEED_BYTES = 1024 * 1024
SEED_SUFFIXES = (".md", ".markdown", ".txt", ".html")
_OPENING = re.compile(r"---[ \t]*\r?\n")
_CLOSING_NEXT = re.compile(r"(?:---|\.\.\.)[ \t]*\r?(?:\n|\Z)")
_CLOSING_LATER = re.compile(r"\n(?:---|\.\.\.)[ \t]*\r?(?:\n|\Z)")
_MISSING = object()
_EARLIEST_YEAR = 1900
# Longer texts are cut (ending in an ellipsis), so that no item grows past a known size.
MAX_EXCERPT = 10_000
MAX_SCORE = 1e15  # quality and heat beyond this (either way) make a seed invalid


def read_seed(path: Path, name: str) -> Article:
    """Read the seed file at path; name is how reports and the article call it."""
    try:
        data = read_bounded(path, MAX_SEED_BYTES)
    except TooLarge:
        raise SeedError(name, f"is larger than the {MAX_SEED_BYTES // 1024} KiB a seed may be"
                        ) from None
    except NotReadable as error:
        raise SeedError(name, str(error), retry=isinstance(error, ReadFailed)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SeedError(name, f"is not UTF-8 (byte {error.start} is invalid)") from None
    return parse_seed(text, name)


def parse_seed(text: str, name: str) -> Article:
    """Parse a seed's text into an Article, raising SeedError(name, reason)."""
    try:
        return _article(_front_matter(text), name)
    except Invalid as error:
        raise SeedError(name, str(error)) from None


def _front_matter(text: str) -> dict[str, Any]:
    """The front-matter mapping of a seed's text."""
    if not text.strip():
        raise Invalid("is empty")
    if not _OPENING.match(text):
        raise Invalid("does not start with a '---' front-matter line")
    block = front_matter_block(text)
    if block is None:
        raise Invalid("has no closing '---' line after its front matter")
    block = without_forbidden(block)
    try:
        fields = fastyaml.load(block)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 2}" if mark else ""
        raise Invalid(f"has invalid YAML{where}: {error.problem}") from None
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as error:
        raise Invalid(f"has invalid YAML: {error}") from None
    if not isinstance(fields, dict):
        raise Invalid("front matter is not a mapping of fields")
    return fields


def front_matter_block(text: str) -> str | None:
    """The YAML between the opening '---' line and the next '---' or '...' line, if closed."""
    opening = _OPENING.match(text)
    if not opening:
        return None
    start = opening.end()
    if _CLOSING_NEXT.match(text, start):
        return ""
    closing = _CLOSING_LATER.search(text, start - 1)
    return text[start:closing.start() + 1] if closing else None


def _article(fields: dict[str, Any], name: str) -> Article:
    """Validate and normalise a front-matter mapping (every field checked, in one order, so
    that a seed's reason is the same whatever it holds), then keep what may be shown."""
    published_at = _moment(fields.get("publishedDateTime"), "publishedDateTime")
    updated_raw = fields.get("updatedDateTime")
    updated_at = published_at
    if updated_raw is not None:
        updated_at = max(published_at, _moment(updated_raw, "updatedDateTime"))
    title = shorten(_required_text(fields, "title"), MAX_TITLE)
    excerpt = shorten(read_text(fields, "excerpt"), MAX_EXCERPT)
    url = _article_url(fields)
    parts = (read_provider(fields.get("provider")), read_topics(fields.get("topics")),
             read_images(fields.get("images"), "images"), read_related(fields.get("related")),
             shared(read_text(fields, "type")), shared(read_text(fields, "category")))
    published = _yes_no_field(fields.get("published", _MISSING), "published", absent=True)
    deleted = _yes_no_field(fields.get("deleted", _MISSING), "deleted", absent=False)
    scores = _score(fields.get("quality"), "quality"), _score(fields.get("heat"), "heat")
    if not published or deleted:  # never shown: kept are its identity and what counts read
        return Article(name, url, title, "", published_at, updated_at, None, (), (), (), "", "",
                       published, deleted, *scores)
    return Article(name, url, title, excerpt, published_at, updated_at, *parts, published,
                   deleted, *scores, *_as_written(fields, url, title, excerpt))


def _as_written(fields: dict[str, Any], url: str, title: str, excerpt: str) -> tuple[str, ...]:
    """The fields of the origin site's JSON API, from web_url to embed (none makes a seed
    invalid)."""
    return (_same(http_url(fields.get("webUrl")) or "", url),
            url if fields.get("originalUrl") not in (None, "") else "",
            _written(fields.get("title"), title, MAX_TITLE),
            _written(fields.get("excerpt"), excerpt, MAX_EXCERPT),
            http_url(fields.get("ampWebUrl")) or "",
            http_url(fields.get("cdnAmpWebUrl")) or "",
            _embed(fields.get("featuredContent")),
            embed_url(fields.get("featuredContent")))


def _required_text(fields: dict[str, Any], key: str) -> str:
    """A text field that must be present and non-empty."""
    if fields.get(key) is None:
        raise Invalid(f"{key} is missing")
    value = read_text(fields, key)
    if not value:
        raise Invalid(f"{key} is empty")
    return value


def _written(value: Any, decoded: str, limit: int) -> str:
    """Text as the seed writes it (no controls, cut at limit), for the origin site's JSON
    API: decoded itself when equal, so that equal values are kept once; '' if not text."""
    if not isinstance(value, str):
        return ""
    return _same(shorten(without_controls(value), limit), decoded)


def _embed(value: Any) -> str:
    """An HTML embed as the seed writes it (no controls); '' if not text or longer than
    MAX_EMBED (a cut embed would be broken markup)."""
    text = without_controls(value) if isinstance(value, str) else ""
    return text if len(text) <= MAX_EMBED else ""


def _same(value: str, other: str) -> str:
    """other when value equals it, so that one string is kept for both; else value."""
    return other if value == other else value


def _moment(value: Any, key: str) -> datetime:
    """A timezone-aware UTC datetime from what PyYAML yields; no offset means UTC."""
    if value is None:
        raise Invalid(f"{key} is missing")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(clean(value))
        except ValueError:
            raise Invalid(f"{key} {value[:40]!r} is not an ISO 8601 date or date-time") from None
    else:
        raise Invalid(f"{key} must be an ISO 8601 date or date-time, not {type_name(value)}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise Invalid(f"{key} is out of range") from None
    if moment.year < _EARLIEST_YEAR:
        raise Invalid(f"{key} is before {_EARLIEST_YEAR}")
    return moment


def _score(value: Any, key: str) -> float | None:
    """An optional score (quality, heat): a number within MAX_SCORE, or None when absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{key} must be a number, not {type_name(value)}")
    # Compared, never converted: an int of 400 digits has no float, and must not raise here.
    if not -MAX_SCORE <= value <= MAX_SCORE:  # NaN fails this too
        raise Invalid(f"{key} must be a number from {-MAX_SCORE:.0e} to {MAX_SCORE:.0e}")
    return value


def _article_url(fields: dict[str, Any]) -> str:
    """originalUrl, else webUrl: an absolute http(s) URL."""
    for key in ("originalUrl", "webUrl"):
        value = fields.get(key)
        if value is None or value == "":
            continue
        url = http_url(value)
        if url is None:
            raise Invalid(f"{key} {str(value)[:80]!r} is not an absolute http(s) URL")
        return url
    raise Invalid("originalUrl and webUrl are both missing; one is required")


def _yes_no_field(value: Any, key: str, absent: bool) -> bool:
    """A yes/no field read strictly: anything unclear is an error."""
    if value is _MISSING:
        return absent
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and (answer := yes_or_no(value)) is not None:
        return answer
    raise Invalid(f"{key} must be true or false, not {str(value)[:40]!r}")

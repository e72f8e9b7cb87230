"""A request read whole: its section, format, made-to-measure query, page, limit and digest
period in one value, or the RequestError that says what is accepted (or where to go)."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from flask import request
from werkzeug.datastructures import MultiDict

from ..model import ALL, MAX_SLUG, PROVIDERS, TOPICS
from ..output.pages import largest_limit
from ..output.urls import absolute, news_path
from ..periods import is_period_key
from ..settings import Settings
from ..text import URL_SAFE
from ..view.query import Query
from ..view.snapshot import Section, Snapshot
from .errors import RequestError, moved
from .params import cut, form_fields, no_such, one_whole_number, read_query, whole_number
from .state import current_state

MAX_PAGE = 1_000_000
_PERIOD = ("period must be given once, with digest: a day (2026-11-30) for daily, an ISO week "
           "(2026-W48) for weekly.")


@dataclass(frozen=True, slots=True)
class Asked:
    """What a request asks for: a section in a format ('' for HTML), made to measure by its
    query, one page of it at a limit (None: LIMIT), or one digest period ('' for none)."""

    section: Section
    query: Query
    fmt: str = ""
    page: int = 1
    limit: int | None = None
    period: str = ""

    @property
    def is_plain(self) -> bool:
        """Whether it asks for the section as it is: no query, no period."""
        return self.query.is_plain and not self.period


def feed_request(snapshot: Snapshot, kind: str, slug: str, fmt: str) -> Asked:
    """A feed's request: its section, query, limit and page."""
    section = find_section(snapshot, kind, slug, lambda canonical: f"/{kind}/{canonical}.{fmt}")
    query = read_query(request.args, snapshot)
    settings = current_state().settings
    limit, page = read_paging(request.args, settings, query)
    return Asked(section, query, fmt, page, limit)


def page_request(snapshot: Snapshot, kind: str, slug: str) -> Asked:
    """An HTML page's request: its section, query and digest period."""
    section = find_section(snapshot, kind, slug, lambda canonical: f"/{kind}/{canonical}")
    query = read_query(request.args, snapshot)
    return Asked(section, query, period=read_period(request.args, query))


def form_request(snapshot: Snapshot) -> Asked:
    """What the form sends: a section (the site's unless a topic or provider), and every field,
    read as the form means them."""
    kind, _, slug = request.args.get("section", "").partition("/")
    if kind not in (TOPICS, PROVIDERS):
        kind, slug = ALL, ""
    section = find_section(snapshot, kind, slug.lower(), lambda canonical: f"/{kind}/{canonical}")
    return Asked(section, read_query(form_fields(request.args), snapshot))


def news_request(snapshot: Snapshot, kind: str, slug: str, page_text: str) -> Asked:
    """A news API listing's request: its page (in the path), section and query, no digest."""
    page = whole_number(page_text, MAX_PAGE)
    if page is None:
        raise RequestError(400, f"The page in /api/news/page/N/index.json must be a whole "
                                f"number from 1 to {MAX_PAGE}.")
    section = snapshot.site if kind == ALL else find_section(
        snapshot, TOPICS, slug, lambda canonical: news_path(canonical, page), "topic")
    query = read_query(request.args, snapshot)
    if query.digest:
        raise RequestError(400, "digest and top are not offered on the news API: it lists "
                                "articles. The feeds offer them (/feed.json?digest=weekly).")
    return Asked(section, query, "json", page)


def find_section(snapshot: Snapshot, kind: str, slug: str, path: Callable[[str], str],
                 listed: str = "feed") -> Section:
    """The section for slug; a 301 to path(the canonical spelling), the query kept; else a 404
    saying that every one of listed is listed at /."""
    section = snapshot.section(kind, slug) if len(slug) <= MAX_SLUG else None
    if section is not None:
        return section
    if len(slug) <= MAX_SLUG and snapshot.section(kind, slug.lower()) is not None:
        location = absolute(base_url(), path(slug.lower()))
        # As sent, bytes a URL may not hold percent-encoded (raw UTF-8 kept as UTF-8).
        query = quote(request.query_string, safe=URL_SAFE)
        raise moved(f"{location}?{query}" if query else location)
    raise no_such(kind, f"'{quote(cut(slug), safe='')}'", listed=listed)


def read_paging(args: MultiDict[str, str], settings: Settings, query: Query
                ) -> tuple[int | None, int]:
    """(limit if the query gives one, page), or a 400 that says why.

    No document renders more than MAX_LIMIT articles: a digest's limit counts periods of up
    to `top` articles each, so it may be at most MAX_LIMIT // top."""
    highest = largest_limit(settings, query)
    why = (f" With digest and top={query.top}, a page holds at most {highest} periods: "
           f"no document holds more than {settings.max_limit} articles."
           if query.digest else "")
    return (one_whole_number(args, "limit", highest, why),
            one_whole_number(args, "page", MAX_PAGE) or 1)


def read_period(args: MultiDict[str, str], query: Query) -> str:
    """The digest period an HTML page asks for ('' for none), as 2026-11-30 or 2026-W48."""
    values = args.getlist("period")
    if not values:
        return ""
    if len(values) > 1 or not query.digest or not is_period_key(values[0], query.digest):
        raise RequestError(400, _PERIOD)
    return values[0]


def base_url() -> str:
    """BASE_URL when set, else the request's own root."""
    return current_state().settings.base_url.rstrip("/") or request.root_url.rstrip("/")

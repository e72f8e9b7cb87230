"""Routes: find the section, read paging, serve cached documents with HTTP caching."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import quote

from flask import Blueprint, Response, abort, jsonify, redirect, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from ..model import ALL, MAX_SLUG, PROVIDERS, TOPICS
from ..output import described
from ..output.keys import Described
from ..output.pages import build_form, feed_page, largest_limit, made_to_measure
from ..output.urls import (
    BUILD_PATH,
    HEALTH_PATH,
    HOME_PATH,
    OPML_PATH,
    SECTION_FEED_RULE,
    SECTION_PAGE_RULE,
    SITE_FEED_RULE,
    absolute,
    feed_path,
    page_path,
    page_url,
)
from ..settings import Settings
from ..text import URL_SAFE, is_host
from ..view.query import Query
from ..view.select import DigestSelection
from ..view.snapshot import Section, Snapshot
from .answer import answer, max_age_until, wants_gzip
from .fastpath import remember
from .params import BadQuery, form_fields, one_whole_number, read_period, read_query
from .state import FeedsState, current_state

bp = Blueprint("feeds", __name__)

_MAX_PAGE = 1_000_000
_NAMES = {TOPICS: "topic", PROVIDERS: "provider"}
T = TypeVar("T")


@bp.before_app_request
def refuse_odd_host() -> None:
    """A Host header that is no host name gets a 400, whatever BASE_URL says."""
    host = request.headers.get("Host")
    if host is not None and not is_host(host):
        abort(400, "The Host header must be a host name, with an optional port from 1 to "
                   "65535.")


@bp.get(HOME_PATH)
def index() -> Response:
    """The HTML index of every feed, or the page of a query over all articles."""
    snapshot = _state().corpus.snapshot()
    query = _query(snapshot)
    if not query.is_plain or "period" in request.args:
        return _query_page(snapshot, snapshot.site, query)
    form = build_form(snapshot, snapshot.site)
    page = described.index_page(snapshot, _base_url(), _settings(), form)
    return _serve(page, snapshot, (ALL, ""))


@bp.get(SITE_FEED_RULE)
def site_feed(fmt: str) -> Response:
    """All published articles."""
    return _feed(ALL, "", fmt)


@bp.get(SECTION_FEED_RULE)
def section_feed(kind: str, slug: str, fmt: str) -> Response:
    """One topic's or one provider's feed."""
    return _feed(kind, slug, fmt)


@bp.get(SECTION_PAGE_RULE)
def section_page(kind: str, slug: str) -> Response:
    """The HTML page of one topic or provider, or of a query over its articles."""
    snapshot = _state().corpus.snapshot()
    section = _find(snapshot, kind, slug, "")
    query = _query(snapshot)
    if not query.is_plain or "period" in request.args:
        return _query_page(snapshot, section, query)
    page = described.section_page(section, _base_url(), _settings(), build_form(snapshot, section))
    return _serve(page, snapshot, (kind, section.slug))


@bp.get(BUILD_PATH)
def build() -> BaseResponse:
    """Where the form goes: a 303 to the page of the query it holds, in canonical form.

    The form sends every field, empty ones and repeated choices too; this reads them as the
    form means them, so that the page it leads to is the one a feed's own links name.
    """
    snapshot = _state().corpus.snapshot()
    kind, _, slug = request.args.get("section", "").partition("/")
    if kind not in (TOPICS, PROVIDERS):
        kind, slug = ALL, ""
    section = _find(snapshot, kind, slug.lower())
    query = _query(snapshot, form_fields(request.args))
    return _moved(page_url(_base_url(), section.kind, section.slug, query.pairs()), 303)


@bp.get(OPML_PATH)
def opml() -> Response:
    """The OPML subscription list."""
    snapshot = _state().corpus.snapshot()
    return _serve(described.opml_list(snapshot, _base_url(), _settings()), snapshot, (ALL, ""))


@bp.get(HEALTH_PATH)
def healthz() -> Response:
    """Counts and the time of the last successful reload, never cached; a 503 naming the
    error while reloads fail, or what the last scan could not see (degraded)."""
    corpus = _state().corpus
    snapshot = corpus.snapshot()
    failure = {"error": corpus.last_error} if corpus.last_error else {}
    problems = {"problems": list(corpus.problems)} if corpus.problems else {}
    response = jsonify({
        "status": "error" if failure else "degraded" if problems else "ok",
        **failure,
        **problems,
        "seeds": snapshot.seeds,
        "published": snapshot.published,
        "unpublished": snapshot.unpublished,
        "invalid": len(snapshot.invalid),
        "articles": len(snapshot.site.articles),
        "topics": len(snapshot.topics),
        "providers": len(snapshot.providers),
        "last_reload": corpus.scanned_at.isoformat(timespec="seconds"),
    })
    response.cache_control.no_store = True
    if failure or problems:  # the feeds still serve the last good view; monitoring should know
        response.status_code = 503
    return response


def _feed(kind: str, slug: str, fmt: str) -> Response:
    """One page of a feed, from the cache when nothing it shows has changed."""
    snapshot = _state().corpus.snapshot()
    section = _find(snapshot, kind, slug, fmt)
    query = _query(snapshot)
    limit, page = _paging(query)
    made = made_to_measure(snapshot, section, query, datetime.now(UTC))
    doc = feed_page(made, fmt, _base_url(), _settings(), page, limit)
    if page > doc.pages:
        abort(404, f"Page {page} is past the last page ({doc.pages} at limit {doc.limit}).")
    return _serve(doc, snapshot, (kind, section.slug), made.selection.changes_at)


def _query_page(snapshot: Snapshot, section: Section, query: Query) -> Response:
    """The HTML page of a query over a section, or of one period of its digest."""
    made = made_to_measure(snapshot, section, query, datetime.now(UTC))
    period_key = _read(lambda: read_period(request.args, query))
    period = None
    if period_key:
        assert isinstance(made.selection, DigestSelection)
        period = made.selection.period(period_key)
        if period is None:
            abort(404, f"The period {period_key} has not ended, or no article of it matches.")
    form = build_form(snapshot, section, query)
    page = described.query_page(made, _base_url(), _settings(), form, period, period_key or "")
    return _serve(page, snapshot, (section.kind, section.slug), made.selection.changes_at)


def _query(snapshot: Snapshot, args: MultiDict | None = None) -> Query:
    """The request's made-to-measure query, or the 400 or 404 that says what is wrong."""
    return _read(lambda: read_query(request.args if args is None else args, snapshot))


def _read(read: Callable[[], T]) -> T:
    """What read returns; its BadQuery as the HTTP error it names."""
    try:
        return read()
    except BadQuery as error:
        abort(error.status, error.message)


def _find(snapshot: Snapshot, kind: str, slug: str, fmt: str = "") -> Section:
    """The section for slug (of its feed in fmt, or of its page); a 301 to the canonical
    spelling; else a 404 that says where to look."""
    return _find_at(snapshot, kind, slug, lambda canonical: feed_path(kind, canonical, fmt)
                    if fmt else page_path(kind, canonical), "feed")


def _find_at(snapshot: Snapshot, kind: str, slug: str, path: Callable[[str], str],
             listed: str) -> Section:
    """The section for slug; a 301 to path(the canonical spelling), the query kept; else a 404
    saying that every one of listed is listed at /."""
    section = snapshot.section(kind, slug) if len(slug) <= MAX_SLUG else None
    if section is not None:
        return section
    if len(slug) <= MAX_SLUG and snapshot.section(kind, slug.lower()) is not None:
        location = absolute(_base_url(), path(slug.lower()))
        # As sent, bytes a URL may not hold percent-encoded (raw UTF-8 kept as UTF-8).
        query = quote(request.query_string, safe=URL_SAFE)
        abort(_moved(f"{location}?{query}" if query else location))
    shown = quote(slug[:80], safe="") + ("..." if len(slug) > 80 else "")
    abort(404, f"There is no {_NAMES[kind]} '{shown}'. Every {listed} is listed at /.")


def _moved(location: str, status: int = 301) -> BaseResponse:
    """A redirect (301 unless told) to location, said in plain text."""
    response = redirect(location, status)
    response.set_data(f"See {location}\n")
    response.content_type = "text/plain; charset=utf-8"
    return response


def _paging(query: Query) -> tuple[int | None, int]:
    """(limit if the query gives one, page) from the query string, or a 400 that says why.

    No document renders more than MAX_LIMIT articles: a digest's limit counts periods of up
    to `top` articles each, so it may be at most MAX_LIMIT // top."""
    settings = _settings()
    highest = largest_limit(settings, query)
    why = (f" With digest and top={query.top}, a page holds at most {highest} periods: "
           f"no document holds more than {settings.max_limit} articles."
           if query.digest else "")
    return _whole_param("limit", highest, why), _whole_param("page", _MAX_PAGE) or 1


def _whole_param(name: str, highest: int, why: str = "") -> int | None:
    """A whole-number query parameter from 1 to highest, given at most once."""
    return _read(lambda: one_whole_number(request.args, name, highest, why))


def _serve(page: Described, snapshot: Snapshot, section: tuple[str, str],
           changes_at: datetime | None = None) -> Response:
    """The document page describes, from the cache when its signature is unchanged, with
    validators, caching headers and gzip; 304 when the client has it. No cache outlives an
    embargo ending in this section, nor the moment the clock alone changes what it shows."""
    document = _state().documents.get(page)
    use_gzip = wants_gzip(request.headers.get("Accept-Encoding"))
    max_age = max_age_until(snapshot, _settings().max_age, section, changes_at)
    status, headers, body = answer(document, use_gzip, max_age, request.environ)
    remember(request.environ, page.cache_key(), document.etag, use_gzip, snapshot, section,
             changes_at)
    return Response(body, status, headers)


def _base_url() -> str:
    """BASE_URL when set, else the request's own root."""
    return _settings().base_url.rstrip("/") or request.root_url.rstrip("/")


def _state() -> FeedsState:
    """The process's state."""
    return current_state()


def _settings() -> Settings:
    """The app's settings."""
    return current_state().settings

"""Routes: read the request, serve cached documents with HTTP caching."""

import os
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request
from werkzeug.wrappers import Response as BaseResponse

from ..model import ALL
from ..output import described
from ..output.keys import Described
from ..output.pages import build_form, feed_page, made_to_measure
from ..output.urls import (
    BUILD_PATH,
    HEALTH_PATH,
    HOME_PATH,
    OPML_PATH,
    SECTION_FEED_RULE,
    SECTION_PAGE_RULE,
    SITE_FEED_RULE,
    page_url,
)
from ..settings import Settings
from ..text import is_host
from ..view.select import DigestSelection
from ..view.snapshot import Snapshot
from .answer import answer, max_age_until, wants_gzip
from .errors import RequestError, error_response, moved
from .fastpath import remember
from .request import Asked, feed_request, form_request, page_request
from .request import base_url as _base_url
from .state import FeedsState, current_state

bp = Blueprint("feeds", __name__)


@bp.before_app_request
def refuse_odd_host() -> None:
    """A Host header that is no host name gets a 400, whatever BASE_URL says."""
    host = request.headers.get("Host")
    if host is not None and not is_host(host):
        raise RequestError(400, "The Host header must be a host name, with an optional port "
                                "from 1 to 65535.")


@bp.get(HOME_PATH)
def index() -> Response:
    """The HTML index of every feed, or the page of a query over all articles."""
    snapshot = _state().corpus.snapshot()
    asked = page_request(snapshot, ALL, "")
    if not asked.is_plain:
        return _query_page(snapshot, asked)
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
    asked = page_request(snapshot, kind, slug)
    if not asked.is_plain:
        return _query_page(snapshot, asked)
    section = asked.section
    page = described.section_page(section, _base_url(), _settings(), build_form(snapshot, section))
    return _serve(page, snapshot, (kind, section.slug))


@bp.get(BUILD_PATH)
def build() -> BaseResponse:
    """Where the form goes: a 303 to the page of the query it holds, in canonical form.

    The form sends every field, empty ones and repeated choices too; this reads them as the
    form means them, so that the page it leads to is the one a feed's own links name.
    """
    asked = form_request(_state().corpus.snapshot())
    section = asked.section
    return error_response(moved(page_url(_base_url(), section.kind, section.slug,
                                         asked.query.pairs()), 303))


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
        "seeds": snapshot.seed_count,
        "published": snapshot.published_count,
        "unpublished": snapshot.unpublished_count,
        "invalid": len(snapshot.invalid),
        "articles": len(snapshot.site.articles),
        "topics": len(snapshot.topics),
        "providers": len(snapshot.providers),
        "last_reload": corpus.scanned_at.isoformat(timespec="seconds"),
        **corpus.watch_state(),
        "pid": os.getpid(),
    })
    response.cache_control.no_store = True
    if failure or problems:  # the feeds still serve the last good view; monitoring should know
        response.status_code = 503
    return response


def _feed(kind: str, slug: str, fmt: str) -> Response:
    """One page of a feed, from the cache when nothing it shows has changed."""
    snapshot = _state().corpus.snapshot()
    asked = feed_request(snapshot, kind, slug, fmt)
    section, query, limit, page = asked.section, asked.query, asked.limit, asked.page
    tailored = made_to_measure(snapshot, section, query, datetime.now(UTC))
    doc = feed_page(tailored, fmt, _base_url(), _settings(), page, limit)
    if page > doc.pages:
        raise RequestError(404, f"Page {page} is past the last page ({doc.pages} at limit "
                                f"{doc.limit}).")
    return _serve(doc, snapshot, (kind, section.slug), tailored.selection.changes_at)


def _query_page(snapshot: Snapshot, asked: Asked) -> Response:
    """The HTML page of a query over a section, or of one period of its digest."""
    section, query, period_key = asked.section, asked.query, asked.period
    tailored = made_to_measure(snapshot, section, query, datetime.now(UTC))
    period = None
    if period_key:
        assert isinstance(tailored.selection, DigestSelection)
        period = tailored.selection.period(period_key)
        if period is None:
            raise RequestError(404, f"The period {period_key} has not ended, or no article of "
                                    "it matches.")
    form = build_form(snapshot, section, query)
    page = described.query_page(tailored, _base_url(), _settings(), form, period, period_key or "")
    return _serve(page, snapshot, (section.kind, section.slug), tailored.selection.changes_at)


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


def _state() -> FeedsState:
    """The process's state."""
    return current_state()


def _settings() -> Settings:
    """The app's settings."""
    return current_state().settings

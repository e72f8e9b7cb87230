"""Routes of the origin site's JSON news API, answered from the current published view.

`/api/news/index.json`, `/api/news/page/N/index.json`, and the same under
`/api/news/<topic-id>/`: the listings the everyday sites generated from the same seeds, with
what the feeds have (the made-to-measure filters, conditional GET, gzip, the document cache,
the fast path), through the helpers of routes.py.
"""

from datetime import UTC, datetime

from flask import Blueprint, Response, abort

from ..model import ALL, TOPICS
from ..output.api import news_page
from ..output.pages import made_to_measure
from ..output.urls import SITE_NEWS_RULES, TOPIC_NEWS_RULES, news_path
from ..view.select import ArticleSelection
from ..view.snapshot import Section, Snapshot
from .params import whole_number
from .routes import _MAX_PAGE, _find_at, _query, _serve, _settings, _state

bp = Blueprint("news", __name__)


@bp.get(SITE_NEWS_RULES[0])
@bp.get(SITE_NEWS_RULES[1])
def site_news(page: str = "1") -> Response:
    """A page of all published articles."""
    return _news(ALL, "", page)


@bp.get(TOPIC_NEWS_RULES[0])
@bp.get(TOPIC_NEWS_RULES[1])
def topic_news(topic: str, page: str = "1") -> Response:
    """A page of one topic's articles."""
    return _news(TOPICS, topic, page)


def _news(kind: str, slug: str, page_text: str) -> Response:
    """A page of a listing, from the cache when nothing it shows has changed."""
    snapshot = _state().corpus.snapshot()
    number = _page_number(page_text)
    section = _section(snapshot, kind, slug, number)
    query = _query(snapshot)
    if query.digest:
        abort(400, "digest and top are not offered on the news API: it lists articles. "
                   "The feeds offer them (/feed.json?digest=weekly).")
    made = made_to_measure(snapshot, section, query, datetime.now(UTC))
    assert isinstance(made.selection, ArticleSelection)
    size = _settings().api_page_size
    start = (number - 1) * size
    page = news_page(made.selection.entries(start, start + size), len(made.selection), number,
                     size, _settings().language, kind, section.slug, query)
    if number > page.pages:
        abort(404, f"Page {number} is past the last page ({page.pages} at "
                   f"{size} articles a page).")
    return _serve(page, snapshot, (kind, section.slug), made.selection.changes_at)


def _page_number(text: str) -> int:
    """The page number in the path, or a 400 that says what is accepted."""
    number = whole_number(text, _MAX_PAGE)
    if number is None:
        abort(400, f"The page in /api/news/page/N/index.json must be a whole number from 1 "
                   f"to {_MAX_PAGE}.")
    return number


def _section(snapshot: Snapshot, kind: str, slug: str, page: int) -> Section:
    """The site or the topic; a 301 to the topic's canonical id; else a 404 naming it."""
    if kind == ALL:
        return snapshot.site
    return _find_at(snapshot, TOPICS, slug, lambda canonical: news_path(canonical, page), "topic")

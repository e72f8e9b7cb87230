"""Routes of the origin site's JSON news API, answered from the current published view.

`/api/news/index.json`, `/api/news/page/N/index.json`, and the same under
`/api/news/<topic-id>/`: the listings the everyday sites generated from the same seeds, with
what the feeds have (the made-to-measure filters, conditional GET, gzip, the document cache,
the fast path), read by request.py and sent by the helpers of routes.py.
"""

from datetime import UTC, datetime

from flask import Blueprint, Response

from ..model import ALL, TOPICS
from ..output.api import news_page
from ..output.pages import made_to_measure
from ..output.urls import SITE_NEWS_RULES, TOPIC_NEWS_RULES
from ..view.select import ArticleSelection
from .errors import RequestError
from .request import news_request
from .routes import _serve, _settings, _state

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
    asked = news_request(snapshot, kind, slug, page_text)
    section, query, number = asked.section, asked.query, asked.page
    tailored = made_to_measure(snapshot, section, query, datetime.now(UTC))
    assert isinstance(tailored.selection, ArticleSelection)
    size = _settings().api_page_size
    start = (number - 1) * size
    selection = tailored.selection
    page = news_page(selection.entries(start, start + size), len(selection), number, size,
                     _settings().language, kind, section.slug, query)
    if number > page.pages:
        raise RequestError(404, f"Page {number} is past the last page ({page.pages} at "
                                f"{size} articles a page).")
    return _serve(page, snapshot, (kind, section.slug), tailored.selection.changes_at)

"""The site's URL scheme in one place: the routes' rules, and beside each the function that
builds its paths and absolute URLs, so that a route and the links to it cannot drift apart."""

import re
from collections.abc import Sequence
from urllib.parse import quote, unquote, urlencode

from ..model import ALL, FEED_SUFFIXES, MAX_SLUG, PROVIDERS, TOPICS

HOME_PATH = "/"  # the index, and the page of a query over every article
OPML_PATH = "/opml.xml"
BUILD_PATH = "/build"  # where the form goes; it answers with the query's page
SITEMAP_PATH = "/sitemap.xml"
ROBOTS_PATH = "/robots.txt"
HEALTH_PATH = "/healthz"
HUB_PATH = "/websub"  # where the hub of its own answers (WEBSUB_HUB=self)
_FMT = f"<any({', '.join(FEED_SUFFIXES)}):fmt>"
_KIND = f"<any({TOPICS}, {PROVIDERS}):kind>"
SITE_FEED_RULE = f"/feed.{_FMT}"  # feed_path(ALL, "", fmt)
SECTION_FEED_RULE = f"/{_KIND}/<slug>.{_FMT}"  # feed_path(kind, slug, fmt)
SECTION_PAGE_RULE = f"/{_KIND}/<slug>"  # page_path(kind, slug)
SITE_NEWS_RULES = ("/api/news/index.json", "/api/news/page/<page>/index.json")  # news_path
TOPIC_NEWS_RULES = ("/api/news/<topic>/index.json", "/api/news/<topic>/page/<page>/index.json")
_FEED_PATH = re.compile(rf"/(?:feed|({TOPICS}|{PROVIDERS})/([^/]{{1,{MAX_SLUG}}}))"
                        rf"\.({'|'.join(FEED_SUFFIXES)})")


def feed_path(kind: str, slug: str, fmt: str) -> str:
    """The path of a feed: /feed.rss, /topics/ai.atom, /providers/wired.com.json."""
    return f"/feed.{fmt}" if kind == ALL else f"/{kind}/{slug}.{fmt}"


def feed_of_path(path: str) -> tuple[str, str, str] | None:
    """(kind, lowercase slug, format) of a feed's path as a request writes it (percent-encoded,
    any case), the inverse of feed_path; None for any other path."""
    found = _FEED_PATH.fullmatch(unquote(path))
    return (found[1] or ALL, (found[2] or "").lower(), found[3]) if found else None


def page_path(kind: str, slug: str) -> str:
    """The path of a section's HTML page: /, /topics/ai, /providers/wired.com."""
    return "/" if kind == ALL else f"/{kind}/{slug}"


def with_query(path: str, limit: int | None = None, page: int = 1,
               query: Sequence[tuple[str, str]] = ()) -> str:
    """path with the query's pairs, then limit (when given) and page (when past the first)."""
    params = list(query)
    if limit is not None:
        params.append(("limit", str(limit)))
    if page > 1:
        params.append(("page", str(page)))
    return f"{path}?{urlencode(params, safe=',', quote_via=quote)}" if params else path


def feed_url(base_url: str, kind: str, slug: str, fmt: str,
             query: Sequence[tuple[str, str]] = (), limit: int | None = None,
             page: int = 1) -> str:
    """The absolute URL of a section's feed, with a query's pairs, limit and page."""
    return absolute(base_url, with_query(feed_path(kind, slug, fmt), limit, page, query))


def page_url(base_url: str, kind: str, slug: str, query: Sequence[tuple[str, str]] = (),
             period: str = "") -> str:
    """The absolute URL of a section's HTML page, with a query's pairs and a digest period."""
    pairs = [*query, ("period", period)] if period else query
    return absolute(base_url, with_query(page_path(kind, slug), query=pairs))


def news_path(topic: str = "", page: int = 1) -> str:
    """The path of a page of the origin site's news API: /api/news/index.json,
    /api/news/page/2/index.json, /api/news/canvas-apps/index.json..."""
    folder = f"/api/news/{topic}/" if topic else "/api/news/"
    return f"{folder}page/{page}/index.json" if page > 1 else f"{folder}index.json"


def absolute(base_url: str, path: str) -> str:
    """path joined to base_url (scheme and host, perhaps a prefix, no trailing slash)."""
    return base_url.rstrip("/") + path

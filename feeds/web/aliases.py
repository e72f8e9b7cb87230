"""Old feed URLs (Jekyll, Hugo, WordPress and others) and the operator's own, kept answering.

An alias answers with the very document of its canonical URL, whose `self` link names the
canonical URL: no redirect, so a reader that never updates a stored URL after a 301 pays no
extra round trip on every poll, and the document cache holds one copy (same key).
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ..settings import Settings
from .errors import RequestError

# (old path, canonical path): the site's feed, then each topic's and provider's, by the
# software whose URLs they are.
BUILT_IN: tuple[tuple[str, str], ...] = (
    ("/feed.xml", "/feed.atom"),  # jekyll-feed, Eleventy (Atom)
    ("/feed/feed.xml", "/feed.atom"),  # Eleventy's base blog
    ("/atom.xml", "/feed.atom"),  # Zola, Hexo, Octopress
    ("/index.xml", "/feed.rss"),  # Hugo
    ("/rss.xml", "/feed.rss"),  # Gatsby, Docusaurus, Zola
    ("/feed", "/feed.rss"),  # WordPress, Medium, Substack
    ("/feed/", "/feed.rss"),
    ("/feed/rss/", "/feed.rss"),  # WordPress
    ("/feed/rss2/", "/feed.rss"),
    ("/feed/atom/", "/feed.atom"),
    ("/feed/atom", "/feed.atom"),
    ("/rss", "/feed.rss"),  # WordPress, Ghost
    ("/rss/", "/feed.rss"),
    ("/feeds/posts/default", "/feed.atom"),  # Blogger
    ("/feeds/all.atom.xml", "/feed.atom"),  # Pelican
    ("/topics/<slug>/feed/", "/topics/{slug}.rss"),  # WordPress, a taxonomy named topics
    ("/topics/<slug>/feed", "/topics/{slug}.rss"),
    ("/tag/<slug>/feed/", "/topics/{slug}.rss"),  # WordPress tags and categories
    ("/category/<slug>/feed/", "/topics/{slug}.rss"),
    ("/tag/<slug>/rss/", "/topics/{slug}.rss"),  # Ghost
    ("/topics/<slug>/index.xml", "/topics/{slug}.rss"),  # Hugo taxonomies
    ("/tags/<slug>/index.xml", "/topics/{slug}.rss"),
    ("/categories/<slug>/index.xml", "/topics/{slug}.rss"),
    ("/feed/<slug>.xml", "/topics/{slug}.atom"),  # jekyll-feed's categories
    ("/providers/<slug>/feed/", "/providers/{slug}.rss"),
    ("/providers/<slug>/feed", "/providers/{slug}.rss"),
    ("/providers/<slug>/index.xml", "/providers/{slug}.rss"),
)
_PREFIX = "alias:"


def init_app(app: Flask, settings: Settings) -> None:
    """Route every built-in alias and the operator's FEED_ALIASES to what they name; call it
    once every other route is registered. ValueError says which alias of the operator's is
    wrong: one that hides a URL of the site, or names none."""
    for old, canonical in settings.feed_aliases:
        if _endpoint(app, old):
            raise ValueError(f"FEEDS_FEED_ALIASES: {old} is already an address of this site")
        if not _endpoint(app, canonical):
            raise ValueError(f"FEEDS_FEED_ALIASES: {canonical} is no page or feed of this site")
    for number, (old, canonical) in enumerate(BUILT_IN + settings.feed_aliases):
        view: Callable[..., BaseResponse] = partial(_answer_as, canonical)
        app.add_url_rule(old, endpoint=f"{_PREFIX}{number}", view_func=view, methods=["GET"])


def _endpoint(app: Flask, path: str) -> str:
    """The endpoint of a route other than an alias that answers path; '' for none."""
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return ""
    return "" if str(endpoint).startswith(_PREFIX) else str(endpoint)


def _answer_as(canonical: str, **values: str) -> BaseResponse:
    """The answer of the canonical URL (its query string kept), under the alias's URL."""
    path = canonical.format(**values)
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, arguments = adapter.match(path, method="GET")
    except HTTPException:
        raise RequestError(404, f"This old address names {path}, and there is nothing "
                                "there.") from None
    if str(endpoint).startswith(_PREFIX):  # an alias of an alias: no loops
        raise RequestError(404, f"This old address names {path}, another old address.")
    answer: Any = current_app.view_functions[endpoint](**arguments)  # each view's own type
    return current_app.make_response(answer)

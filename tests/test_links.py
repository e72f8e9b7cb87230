"""Every link the site emits resolves to a route that answers it: routes and links come from one
table (feeds/output/urls.py), and this walks the example site to show they have not drifted."""

import html
import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from conftest import BASE_URL
from werkzeug.exceptions import NotFound

from feeds.model import FEED_SUFFIXES, TOPICS
from feeds.output.render import FORMATS
from feeds.output.urls import feed_of_path, feed_path, news_path, page_path
from feeds.web.aliases import BUILT_IN

# Links to this site in any document: attribute values, JSON strings, robots.txt lines.
_LINK = re.compile(re.escape(BASE_URL) + r"""(/[^"'<>\s\\]*)""")
STARTS = ["/", "/opml.xml", "/sitemap.xml", "/robots.txt", news_path(), news_path("astronomy"),
          "/?digest=weekly", "/?q=-nothing&sort=heat", "/feed.atom?limit=2",
          "/feed.rss?digest=daily&top=2", "/topics/astronomy?since=5200w"]
MAX_VISITS = 800
# RSS names the topics' category scheme (`domain=`) by the folder of their pages: an id that
# no reader follows, as Atom's scheme + the slug is the topic's page.
SCHEMES = {page_path(TOPICS, "")}


def emitted(body: str) -> set[str]:
    """The paths (with queries) of the links to this site in a document."""
    return {html.unescape(path) for path in _LINK.findall(body)}


def walk(client) -> dict[str, set[str]]:
    """Every link found from STARTS, and where it was found: documents without a query are
    read for links, those with a query only fetched (their links have the same shapes)."""
    found: dict[str, set[str]] = {path: {"start"} for path in STARTS}
    queue = deque(STARTS)
    while queue:
        path = queue.popleft()
        response = client.get(path)
        assert response.status_code in (200, 303), (path, found[path], response.status_code)
        if response.status_code != 200 or ("?" in path and path not in STARTS) or \
                not response.mimetype.startswith(("text/", "application/")):
            continue  # an icon: no links in it
        for link in emitted(response.get_data().decode(errors="replace")) - found.keys() - \
                SCHEMES:
            found[link] = {path}
            queue.append(link)
        assert len(found) < MAX_VISITS, "the walk found more links than the example site has"
    return found


def test_every_link_of_the_site_resolves_to_a_route_that_answers(site_app):
    found = walk(site_app.test_client())
    routes = site_app.url_map.bind(urlsplit(BASE_URL).netloc)
    for link in found:
        path = urlsplit(link).path
        try:
            routes.match(path, method="GET")
        except NotFound:
            pytest.fail(f"{link} (linked from {sorted(found[link])[:3]}) matches no route")
    kinds = {urlsplit(link).path.rsplit(".", 1)[-1] for link in found}
    assert set(FEED_SUFFIXES) <= kinds and "xml" in kinds and "json" in kinds  # all reached


def test_the_format_table_and_the_routes_name_the_same_suffixes():
    assert tuple(FORMATS) == FEED_SUFFIXES


@pytest.mark.parametrize("kind, slug", [("all", ""), ("topics", "ai"),
                                        ("providers", "wired.com")])
@pytest.mark.parametrize("fmt", FEED_SUFFIXES)
def test_a_feed_path_reads_back_as_the_feed_it_names(kind, slug, fmt, site_app):
    path = feed_path(kind, slug, fmt)
    assert feed_of_path(path) == (kind, slug, fmt)
    endpoint, _ = site_app.url_map.bind("feeds.test").match(path, method="GET")
    assert endpoint in ("feeds.site_feed", "feeds.section_feed")


@pytest.mark.parametrize("old, canonical", BUILT_IN)
def test_every_old_address_names_a_route_of_the_site(old, canonical, site_app):
    endpoint, _ = site_app.url_map.bind("feeds.test").match(canonical.format(slug="astronomy"),
                                                            method="GET")
    assert endpoint in ("feeds.site_feed", "feeds.section_feed")
    assert feed_of_path(canonical.format(slug="astronomy")) is not None

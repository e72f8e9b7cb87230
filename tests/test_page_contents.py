"""What the site's pages, OPML list and sitemap show of the view: the index's ten newest
articles, a section's LIMIT latest and its count, a query's matches, feeds and periods, the
site's title everywhere, the form, and the seeds' date as Last-Modified."""

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import article_fields
from flask import Flask
from flask.testing import FlaskClient

from feeds import create_app
from feeds.web.fastpath import FastPath

LIMIT = 5
TITLE = "Test Site"
SECTION = "http://localhost/topics/power-apps"
ARTICLE = re.compile(r'<h3><a href="https://news\.example\.com/articles/(\d+)">')


@pytest.fixture
def client(seeds_dir: Path, write_seed: Callable[..., Path]) -> FlaskClient:
    """A client of twelve articles, one a day from 1 January 2024, in one topic."""
    for n in range(1, 13):
        write_seed(f"{n}.md", **article_fields(n))
    app: Flask = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir),
                             "RELOAD_SECONDS": 0, "LIMIT": LIMIT, "SITE_TITLE": TITLE})
    return app.test_client()


def articles(client: FlaskClient, path: str) -> list[int]:
    """The numbers of the articles a page lists, in order."""
    return [int(n) for n in ARTICLE.findall(client.get(path).text)]


def text(client: FlaskClient, path: str) -> str:
    """The body of a 200 answer, as text."""
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_index_lists_the_ten_newest_articles(client: FlaskClient) -> None:
    """Ten, newest first, whatever the LIMIT."""
    assert articles(client, "/") == list(range(12, 2, -1))


def test_a_section_page_lists_its_limit_latest_and_counts_them_all(client: FlaskClient) -> None:
    """LIMIT articles, newest first, and the count of all of them."""
    assert articles(client, "/topics/power-apps") == [12, 11, 10, 9, 8]
    assert "<p>12 articles</p>" in text(client, "/topics/power-apps")


@pytest.mark.parametrize("path", ["/", "/topics/power-apps", "/topics/power-apps?q=article",
                                  "/opml.xml"])
def test_every_page_and_the_opml_list_carry_the_sites_title(client: FlaskClient,
                                                            path: str) -> None:
    """SITE_TITLE names the site on each, and the default one nowhere; a page's link home
    is named by it."""
    body = text(client, path)
    assert TITLE in body and "Seed Feeds" not in body
    if path != "/opml.xml":
        assert f'<a href="http://localhost/">{TITLE}</a>' in body


def test_a_long_query_title_is_shown_whole(client: FlaskClient) -> None:
    """Six long words make a title longer than a name in a table may be: the page shows it all."""
    words = ("article counterrevolutionaries excerpt internationalization interoperability "
             "telecommunications")
    body = text(client, "/topics/power-apps?q=" + words.replace(" ", "+"))
    assert f"<h1>{TITLE}: Power Apps · “{words}”</h1>" in body


@pytest.mark.parametrize(("path", "heading"), [("/", "Build your own feed"),
                                               ("/topics/power-apps",
                                                "Build your own feed from Power Apps"),
                                               ("/topics/power-apps?q=article",
                                                "Change the query")])
def test_the_pages_show_the_form(client: FlaskClient, path: str, heading: str) -> None:
    """The index, a section's page and a query's page each have the form to build a feed."""
    body = text(client, path)
    assert f"<h2>{heading}</h2>" in body and "<form " in body


def test_a_query_page_counts_its_matches_and_names_its_feeds(client: FlaskClient) -> None:
    """Its title, the count, its LIMIT first matches, the address of its feed in each format,
    the readers' links to the first (RSS)."""
    body = text(client, "/topics/power-apps?q=article")
    assert f"<h1>{TITLE}: Power Apps · “article”</h1>" in body
    assert "<p>12 matching articles.</p>" in body
    assert articles(client, "/topics/power-apps?q=article") == [12, 11, 10, 9, 8]
    for fmt in ("rss", "atom", "json"):
        assert f'href="{SECTION}.{fmt}?q=article"' in body
    assert "feed%2Fhttp%3A%2F%2Flocalhost%2Ftopics%2Fpower-apps.rss%3Fq%3Darticle" in body


def test_a_digest_page_links_each_period_and_a_period_page_shows_its_own(
        client: FlaskClient) -> None:
    """A weekly digest's page links its weeks; each week's page lists that week's articles
    alone, dated by the newest of them."""
    digest = "/topics/power-apps?q=article&digest=weekly"
    body = text(client, digest)
    assert "<p>2 matching periods.</p>" in body
    for week in ("2024-W01", "2024-W02"):
        assert f'href="{SECTION}?q=article&amp;digest=weekly&amp;period={week}"' in body
    assert articles(client, digest + "&period=2024-W01") == [7, 6, 5, 4, 3, 2, 1]
    assert articles(client, digest + "&period=2024-W02") == [12, 11, 10, 9, 8]
    first = client.get(digest + "&period=2024-W01")
    assert first.headers["Last-Modified"] == "Sun, 07 Jan 2024 08:00:00 GMT"
    assert "<h2>Week 1 of 2024: 1 January 2024 to 7 January 2024</h2>" in first.text


@pytest.mark.parametrize("path", ["/", "/topics/power-apps", "/topics/power-apps?q=article",
                                  "/opml.xml", "/sitemap.xml"])
def test_pages_are_dated_by_their_newest_article(client: FlaskClient, path: str) -> None:
    """Last-Modified: the newest article shown, never the clock."""
    assert client.get(path).headers["Last-Modified"] == "Fri, 12 Jan 2024 08:00:00 GMT"


def test_the_sitemap_lists_the_standard_pages(client: FlaskClient) -> None:
    """The index and each section's page, at the request's host."""
    body = text(client, "/sitemap.xml")
    for page in ("http://localhost/", SECTION, "http://localhost/providers/news.example.com"):
        assert f"<loc>{page}</loc>" in body


def test_each_period_page_of_a_digest_is_kept_for_its_repeats(
        seeds_dir: Path, write_seed: Callable[..., Path]) -> None:
    """With the fast path, every period's page and the digest's own are answered again
    without Flask, in any order: each is cached under a key of its own."""
    for n in range(1, 13):
        write_seed(f"{n}.md", **article_fields(n))
    app: Flask = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir),
                             "RELOAD_SECONDS": 3600})
    calls = flask_calls(app)
    client = app.test_client()
    digest = "/topics/power-apps?q=article&digest=weekly"
    paths = [digest + "&period=2024-W01", digest + "&period=2024-W02", digest]
    bodies = [client.get(path).data for path in paths]
    assert [client.get(path).data for path in paths + paths] == bodies + bodies
    assert len(calls) == len(paths) and len(set(bodies)) == len(paths)


def flask_calls(app: Flask) -> list[str]:
    """The paths of the requests that reach Flask past the fast path, from now on."""
    calls: list[str] = []
    fast = app.wsgi_app
    while not isinstance(fast, FastPath):  # under the middleware in front of it
        fast = fast.app  # type: ignore[attr-defined]
    inner = fast.app

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        calls.append(environ["PATH_INFO"])
        result: Iterable[bytes] = inner(environ, start_response)
        return result

    fast.app = counted
    return calls

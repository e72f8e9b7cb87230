"""What every cached document sends with its bytes: a strong ETag that is the digest of them
(the same from every worker and every restart), the gzip bytes and their own ETag, the seeds'
Last-Modified, its Content-Type, and X-Robots-Tag and Link only where they are meant."""

import gzip
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BASE_URL, article_fields
from flask import Flask

from feeds import create_app

NEWEST = "Thu, 04 Jan 2024 08:00:00 GMT"  # the newest article's date, never the clock
TYPES = {"/feed.rss": "application/rss+xml; charset=utf-8",
         "/topics/power-apps.atom": "application/atom+xml; charset=utf-8",
         "/feed.json": "application/feed+json; charset=utf-8",
         "/": "text/html; charset=utf-8", "/topics/power-apps": "text/html; charset=utf-8",
         "/?q=article": "text/html; charset=utf-8",
         "/opml.xml": "text/x-opml; charset=utf-8",
         "/sitemap.xml": "application/xml; charset=utf-8",
         "/api/news/index.json": "application/json; charset=utf-8"}
INDEXED = ["/feed.rss", "/feed.json", "/", "/topics/power-apps", "/opml.xml", "/sitemap.xml",
           "/api/news/index.json"]
NOT_INDEXED = ["/topics/power-apps.atom", "/providers/news.example.com.rss",
               "/feed.rss?q=article", "/feed.atom?limit=2&page=2"]
HUB = "https://hub.example/"


@pytest.fixture
def app(seeds_dir: Path, write_seed: Callable[..., Path]) -> Flask:
    """An app over four articles of one provider with a logo, advertising a WebSub hub (which
    needs a BASE_URL)."""
    provider = {"name": "Example News", "domain": "news.example.com",
                "images": [{"url": "https://news.example.com/logo.png"}]}
    for n in range(1, 5):
        write_seed(f"{n}.md", **article_fields(n, provider=provider))
    return create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 0,
                       "BASE_URL": BASE_URL, "WEBSUB_HUB": HUB})


def digest(body: bytes) -> str:
    """The 128-bit BLAKE2b digest of body, in hex."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


@pytest.mark.parametrize("path", list(TYPES))
def test_every_document_has_validators_made_from_its_bytes(app: Flask, path: str) -> None:
    """ETag and gzip ETag from the bytes' digest, Last-Modified from the seeds, each 304s."""
    client = app.test_client()
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == 200 and plain.headers["Content-Type"] == TYPES[path]
    assert plain.headers["ETag"] == f'"{digest(plain.data)}"'
    assert zipped.headers["ETag"] == f'"{digest(plain.data)}-gzip"'
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.data[4:8] == b"\0\0\0\0"  # no time in the gzip header: the same bytes always
    assert plain.headers["Last-Modified"] == zipped.headers["Last-Modified"] == NEWEST
    for headers in ({"If-None-Match": plain.headers["ETag"]}, {"If-Modified-Since": NEWEST}):
        assert client.get(path, headers=headers).status_code == 304, headers


def test_different_documents_have_different_etags(app: Flask) -> None:
    """No two documents share an ETag, so that no reader keeps one for the other."""
    client = app.test_client()
    etags = {client.get(path).headers["ETag"] for path in TYPES}
    assert len(etags) == len(TYPES)


@pytest.mark.parametrize("path", INDEXED)
def test_the_standard_documents_let_search_engines_index_them(app: Flask, path: str) -> None:
    """The site's own feed, the pages, OPML, the sitemap and the API carry no X-Robots-Tag."""
    assert "X-Robots-Tag" not in app.test_client().get(path).headers


@pytest.mark.parametrize("path", NOT_INDEXED)
def test_section_query_and_later_feed_pages_are_noindex(app: Flask, path: str) -> None:
    """The feeds of a topic, a provider, a query or a later page ask not to be indexed."""
    assert app.test_client().get(path).headers["X-Robots-Tag"] == "noindex, follow"


@pytest.mark.parametrize("path", ["/feed.atom", "/topics/power-apps.rss"])
def test_a_feed_names_its_hub_and_itself_in_a_link_header(app: Flask, path: str) -> None:
    """WebSub: a feed's Link header names the hub and the feed's own address."""
    link = app.test_client().get(path).headers["Link"]
    assert link == f'<{HUB}>; rel="hub", <{BASE_URL}{path}>; rel="self"'


@pytest.mark.parametrize("path", ["/", "/topics/power-apps", "/opml.xml", "/sitemap.xml",
                                  "/api/news/index.json"])
def test_documents_other_than_feeds_send_no_link_header(app: Flask, path: str) -> None:
    """Only feeds have a hub: the pages, OPML, the sitemap and the API send no Link."""
    assert "Link" not in app.test_client().get(path).headers


def test_a_topic_feed_links_to_itself_and_to_its_page(app: Flask) -> None:
    """The topic's kind and slug make its feed's own addresses."""
    body = app.test_client().get("/topics/power-apps.atom").get_data(as_text=True)
    assert f"<id>{BASE_URL}/topics/power-apps.atom</id>" in body
    assert f'href="{BASE_URL}/topics/power-apps"' in body


def test_a_provider_feed_shows_the_providers_logo(app: Flask) -> None:
    """A provider's feeds show its own logo, where its articles give one."""
    body = app.test_client().get("/providers/news.example.com.rss").get_data(as_text=True)
    assert "<url>https://news.example.com/logo.png</url>" in body

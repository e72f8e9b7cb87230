"""Every answer to a document, the first from Flask and each repeat from the fast path, carries
the same validators, caching headers and encoding: the ones a browser, a feed reader or a CDN
reads."""

import gzip
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_URL, article_fields
from flask import Flask
from werkzeug.test import TestResponse

from feeds import create_app
from feeds.web import fastpath

NEWEST = "Wed, 03 Jan 2024 08:00:00 GMT"  # the publishedDateTime of article 3, the newest
HUB = "https://hub.example.net/"


def counting(app: Flask) -> list[str]:
    """The paths of the requests that reach Flask, past the fast path, from now on."""
    calls: list[str] = []
    inner: Callable[..., Iterable[bytes]] = app.wsgi_app.app  # type: ignore[attr-defined]

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app.app = counted  # type: ignore[attr-defined]
    return calls


@pytest.fixture
def app(seeds_dir: Path, write_seed: Callable[..., Path]) -> Flask:
    """An app over three articles, the fast path in front, WebSub pings to an outside hub; no
    Accept-Encoding decided before, as in a new server (a process forked from one that ran
    other tests would otherwise answer from their decisions)."""
    fastpath._short_gzip.cache_clear()
    for n in range(1, 4):
        write_seed(f"{n}.md", **article_fields(n))
    made = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600,
                       "BASE_URL": BASE_URL, "WEBSUB_HUB": HUB})
    made.extensions["test.calls"] = counting(made)
    return made


def both(app: Flask, path: str, **headers: str) -> list[TestResponse]:
    """A GET's first answer (from Flask) and its repeat, checked to come from the fast path."""
    client, calls = app.test_client(), app.extensions["test.calls"]
    first = client.get(path, headers=headers)
    reached = len(calls)
    repeat = client.get(path, headers=headers)
    assert len(calls) == reached, f"the repeat of {path} reached Flask"
    return [first, repeat]


def test_an_answer_carries_its_validators_and_caching_headers(app: Flask) -> None:
    """Type, strong ETag, Last-Modified, public max-age, Vary, CORS and length, as sent."""
    for response in both(app, "/feed.rss"):
        assert response.status == "200 OK"
        assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
        assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('"')
        assert response.headers["Last-Modified"] == NEWEST
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Content-Length"] == str(len(response.data))
        assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize("encoding", ["gzip", "br, gzip;q=0.5", "x-gzip, *"])
def test_gzip_goes_to_a_client_that_accepts_it(app: Flask, encoding: str) -> None:
    """A client that accepts gzip gets the gzipped bytes, under an ETag of their own."""
    plain = app.test_client().get("/feed.rss")
    for response in both(app, "/feed.rss", **{"Accept-Encoding": encoding}):
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.data) == plain.data
        assert response.headers["Content-Length"] == str(len(response.data))
        assert response.headers["ETag"] not in ("", plain.headers["ETag"])
        assert response.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize("encoding", ["", "br", "identity", "gzip;q=0", "br, gzip;q=0"])
def test_no_gzip_for_a_client_that_does_not_accept_it(app: Flask, encoding: str) -> None:
    """Any other client gets the plain bytes, under the plain ETag."""
    plain = app.test_client().get("/feed.rss")
    for response in both(app, "/feed.rss", **{"Accept-Encoding": encoding}):
        assert "Content-Encoding" not in response.headers
        assert response.data == plain.data and response.data.startswith(b"<?xml")
        assert response.headers["ETag"] == plain.headers["ETag"]


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_a_client_that_has_the_answer_gets_a_304_with_its_headers(app: Flask,
                                                                    encoding: str) -> None:
    """If-None-Match with its ETag, or If-Modified-Since its Last-Modified: an empty 304 that
    keeps the validators and the caching headers."""
    first = app.test_client().get("/feed.rss", headers={"Accept-Encoding": encoding})
    etag = first.headers["ETag"]
    for asked in ({"If-None-Match": etag}, {"If-Modified-Since": NEWEST},
                  {"If-None-Match": f'"x", {etag}', "If-Modified-Since": NEWEST}):
        for response in both(app, "/feed.rss", **{"Accept-Encoding": encoding}, **asked):
            assert response.status == "304 Not Modified" and response.data == b""
            assert response.headers["ETag"] == etag
            assert response.headers["Last-Modified"] == NEWEST
            assert response.headers["Cache-Control"] == "public, max-age=300"
            assert response.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize("asked", [{"If-None-Match": '"other"'},
                                   {"If-Modified-Since": "Tue, 02 Jan 2024 08:00:00 GMT"},
                                   {"If-None-Match": '"other"', "If-Modified-Since": NEWEST}])
def test_a_client_with_an_older_copy_gets_the_whole_answer(app: Flask,
                                                           asked: dict[str, str]) -> None:
    """Another ETag, or a date before the newest article: a 200 with the body (If-None-Match
    decides when both are sent)."""
    plain = app.test_client().get("/feed.rss")
    for response in both(app, "/feed.rss", **asked):
        assert response.status == "200 OK" and response.data == plain.data


def test_the_plain_etag_is_no_validator_of_the_gzipped_answer(app: Flask) -> None:
    """A client that accepts gzip and holds the plain bytes gets the gzipped ones: a 200."""
    etag = app.test_client().get("/feed.rss").headers["ETag"]
    for response in both(app, "/feed.rss", **{"Accept-Encoding": "gzip",
                                              "If-None-Match": etag}):
        assert response.status == "200 OK"
        assert response.headers["Content-Encoding"] == "gzip"


def test_secondary_feeds_say_noindex_and_the_site_feed_does_not(app: Flask) -> None:
    """X-Robots-Tag on a topic's feed and on later pages; none on the site's first page."""
    for response in both(app, "/topics/power-apps.rss") + both(app, "/feed.rss?limit=1&page=2"):
        assert response.headers["X-Robots-Tag"] == "noindex, follow"
    for response in both(app, "/feed.rss"):
        assert "X-Robots-Tag" not in response.headers


def test_a_feed_names_its_hub_and_itself_in_a_link_header(app: Flask) -> None:
    """The Link header WebSub subscribers read, on every answer of a standard feed."""
    for response in both(app, "/feed.atom"):
        assert response.headers["Link"] == (f'<{HUB}>; rel="hub", '
                                            f'<{BASE_URL}/feed.atom>; rel="self"')
    for response in both(app, "/feed.atom?q=article") + both(app, "/"):
        assert "Link" not in response.headers

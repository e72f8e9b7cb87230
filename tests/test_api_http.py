"""The news API over HTTP: pages kept by the document cache and the fast path, validators,
compression and errors on the real production server, HEAD."""

import gzip
import json
from typing import Any

import pytest
from conftest import article_fields
from servers import fetch

from feeds import create_app
from feeds.output.api import news_page
from feeds.output.urls import news_path
from feeds.web.fastpath import FastPath


def test_pages_come_from_the_document_cache_and_the_fast_path(seeds_dir, write_seed):
    for n in range(1, 4):
        write_seed(f"{n}.md", **article_fields(n))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600})
    calls = []
    fast: Any = app.wsgi_app  # layers of middleware, each with its .app
    while not isinstance(fast, FastPath):  # under the middleware in front of it
        fast = fast.app
    inner = fast.app

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    fast.app = counted
    client = app.test_client()
    bodies = {client.get(path).data for path in ["/api/news/index.json"] * 3
              + ["/api/news/page/1/index.json"] * 2}
    assert len(bodies) == 1
    assert calls == ["/api/news/index.json", "/api/news/page/1/index.json"]
    documents = app.extensions["feeds"].documents
    first_page = news_page((), 0, 1, 1, "en-us")  # of the site's listing: its key is page 1's
    assert documents.peek(first_page.cache_key()).body == bodies.pop()


@pytest.mark.server
def test_http_behaviour_on_the_production_server(site_server):
    url = f"{site_server}/api/news/climate/index.json"
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["Vary"] == "Accept-Encoding"
    etag = headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert fetch(url, {"If-None-Match": etag})[:1] == (304,)
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    zipped = fetch(url, {"Accept-Encoding": "gzip"})
    assert zipped[1]["Content-Encoding"] == "gzip" and gzip.decompress(zipped[2]) == body
    assert zipped[1]["ETag"] != etag
    assert fetch(url, {"Accept-Encoding": "gzip", "If-None-Match": zipped[1]["ETag"]})[0] == 304
    assert fetch(f"{site_server}/api/news/page/9/index.json")[0] == 404
    assert fetch(f"{site_server}/api/news/page/-1/index.json")[0] == 400
    assert fetch(f"{site_server}/api/news/index.json?since=forever")[0] == 400
    assert json.loads(body)["value"]


def test_head_has_the_headers_of_get_and_no_body(site_client):
    get, head = site_client.get(news_path("astronomy")), site_client.head(news_path("astronomy"))
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == str(len(get.data))

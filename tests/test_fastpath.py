"""The WSGI fast path answers repeat requests exactly as the Flask views do, and never stale."""

import pytest
from conftest import article_fields

from feeds import create_app
from feeds.web.fastpath import FastPath

REQUESTS = [
    ("/feed.rss", {}),
    ("/feed.atom?limit=5&page=2", {"Accept-Encoding": "gzip"}),
    ("/topics/power-apps.json", {"Accept-Encoding": "gzip;q=0"}),
    ("/", {}),
    ("/opml.xml", {"Accept-Encoding": "br, gzip"}),
]


def comparable(response):
    headers = {k: v for k, v in response.headers.items() if k != "Date"}
    return response.status_code, headers, response.data


@pytest.fixture
def fast_app(seeds_dir, write_seed):
    for n in range(1, 12):
        write_seed(f"{n}.md", **article_fields(n))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600})
    return app


def test_fast_path_is_in_front_of_flask(fast_app):
    assert isinstance(fast_app.wsgi_app, FastPath)


@pytest.mark.parametrize(("path", "headers"), REQUESTS)
def test_repeat_answers_equal_the_first(fast_app, path, headers):
    client = fast_app.test_client()
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    assert comparable(client.get(path, headers=headers)) == comparable(first)
    assert comparable(client.head(path, headers=headers))[:2] == comparable(first)[:2]
    etag = first.headers["ETag"]
    not_modified = client.get(path, headers={**headers, "If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""


def test_a_new_snapshot_is_never_answered_from_the_old(fast_app, write_seed):
    client = fast_app.test_client()
    before = client.get("/feed.json").data
    write_seed("12.md", **article_fields(12, title="Brand new"))
    fast_app.extensions["feeds"].corpus.refresh()
    assert b"Brand new" in client.get("/feed.json").data
    assert b"Brand new" not in before


def test_errors_are_never_remembered(fast_app):
    client = fast_app.test_client()
    assert client.get("/feed.rss?limit=0").status_code == 400
    assert client.get("/feed.rss?limit=0").status_code == 400
    assert client.get("/topics/nope.rss").status_code == 404


@pytest.mark.parametrize(("path", "headers"), REQUESTS)
def test_repeats_never_reach_flask(fast_app, path, headers):
    calls = []
    inner = fast_app.wsgi_app.app

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    fast_app.wsgi_app.app = counted
    client = fast_app.test_client()
    for _ in range(5):
        assert client.get(path, headers=headers).status_code == 200
    client.head(path, headers=headers)
    assert calls == [path.split("?")[0]]  # only the first went through Flask

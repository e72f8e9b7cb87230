"""The WSGI fast path answers repeat requests exactly as the Flask views do, and never stale."""

import gc
import weakref

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


def counting(app) -> list[str]:
    """The paths of the requests that reach Flask from now on."""
    calls: list[str] = []
    inner = app.wsgi_app.app

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app.app = counted
    return calls


def test_old_snapshots_are_not_kept_alive_by_the_fast_path(fast_app, write_seed):
    client = fast_app.test_client()
    corpus = fast_app.extensions["feeds"].corpus
    first = weakref.ref(corpus.snapshot())
    for change in range(4):
        for limit in range(1, 6):  # entries of this snapshot only: no later request reuses them
            assert client.get(f"/feed.rss?limit={limit + 10 * change}").status_code == 200
        # A query page: the snapshot's index and form choices are built (each kept for the
        # current and the previous snapshot), as they would be on a server.
        assert client.get(f"/?q=article&min_quality={change}").status_code == 200
        write_seed(f"{20 + change}.md", **article_fields(20 + change))
        corpus.refresh()
    gc.collect()
    assert first() is None
    client.get("/healthz")  # any request: the fast path sees the new snapshot
    assert len(fast_app.wsgi_app) == 0  # nothing of the old snapshots is kept


def test_a_change_drops_every_entry_and_the_new_snapshot_fills_it_again(fast_app, write_seed):
    client = fast_app.test_client()
    for path in ("/feed.rss", "/feed.atom", "/"):
        client.get(path)
    assert len(fast_app.wsgi_app) == 3
    write_seed("12.md", **article_fields(12))
    fast_app.extensions["feeds"].corpus.refresh()
    client.get("/feed.rss")
    assert len(fast_app.wsgi_app) == 1


def test_accept_encoding_values_cannot_flush_the_fast_path(fast_app):
    client = fast_app.test_client()
    calls = counting(fast_app)
    assert client.get("/feed.rss").status_code == 200
    for n in range(4200):
        encoding = f"gzip;q=0.{n % 9 + 1}, x-{n}" if n % 2 else f"identity, x-{n}"
        assert client.get("/feed.rss", headers={"Accept-Encoding": encoding}).status_code == 200
    assert client.get("/feed.rss").status_code == 200
    assert calls == ["/feed.rss"] * 2  # one miss with gzip, one without: never again
    assert len(fast_app.wsgi_app) == 2


def test_with_base_url_the_host_is_no_part_of_the_key(seeds_dir, write_seed):
    for n in range(1, 4):
        write_seed(f"{n}.md", **article_fields(n))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600,
                      "BASE_URL": "https://feeds.example"})
    client = app.test_client()
    calls = counting(app)
    for n in range(100):
        assert client.get("/feed.rss", headers={"Host": f"h{n}.example"}).status_code == 200
    assert isinstance(app.wsgi_app, FastPath)
    assert calls == ["/feed.rss"] and len(app.wsgi_app) == 1
    assert client.get("/feed.rss", headers={"Host": "bad host"}).status_code == 400


def test_distinct_hosts_push_out_the_least_recently_used_not_everything(fast_app):
    fast_app.wsgi_app.max_entries = 100
    client = fast_app.test_client()
    calls = counting(fast_app)
    for round_ in range(3):
        assert client.get("/feed.rss").status_code == 200  # a popular feed, between floods
        for n in range(99):
            client.get("/feed.rss", headers={"Host": f"r{round_}-{n}.example"})
    assert calls.count("/feed.rss") == 1 + 3 * 99  # the popular one reached Flask only once
    assert len(fast_app.wsgi_app) == 100


def test_a_host_the_views_refuse_is_refused_on_the_fast_path_too(seeds_dir, write_seed):
    write_seed("1.md", **article_fields(1))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600,
                      "BASE_URL": "https://feeds.example"})
    client = app.test_client()
    assert client.get("/feed.rss", headers={"Host": "a.example"}).status_code == 200
    assert client.get("/feed.rss", headers={"Host": "a.example:99999"}).status_code == 400

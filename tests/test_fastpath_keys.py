"""What the fast path tells apart (the path, the parameters a view reads, gzip, and without
BASE_URL the host, scheme and prefix), what it keeps (never a long request; past its bound, the
most recently used) and what an operator sees of its answers in /metrics."""

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import article_fields
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, run_wsgi_app

from feeds import create_app

TOKEN = "a-long-random-token"
MAX_KEY_TEXT = 512  # the longest path, query and host together that the fast path keeps


def counting(app: Flask) -> list[str]:
    """The paths of the requests that reach Flask, past the fast path, from now on."""
    calls: list[str] = []
    inner: Callable[..., Iterable[bytes]] = app.wsgi_app.app  # type: ignore[attr-defined]

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        calls.append(environ.get("PATH_INFO", ""))
        return inner(environ, start_response)

    app.wsgi_app.app = counted  # type: ignore[attr-defined]
    return calls


@pytest.fixture
def app(seeds_dir: Path, write_seed: Callable[..., Path]) -> Flask:
    """An app over three articles, the fast path in front."""
    for n in range(1, 4):
        write_seed(f"{n}.md", **article_fields(n))
    return create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600})


def items(client: FlaskClient, path: str, **options: Any) -> int:
    """How many items the RSS feed at path lists."""
    response = client.get(path, **options)
    assert response.status_code == 200, path
    listed: int = response.data.count(b"<item>")
    return listed


def test_each_scheme_and_prefix_gets_links_of_its_own_from_the_fast_path(app: Flask) -> None:
    """https and http, and each SCRIPT_NAME the server mounts the app at, never share links."""
    client = app.test_client()
    calls = counting(app)
    roots = ["http://localhost/", "https://localhost/", "http://localhost/a/",
             "http://localhost/b/", "https://localhost/b/"]
    for _ in range(3):  # the first of each through Flask, the repeats from the fast path
        for root in roots:
            body = client.get("/feed.atom", base_url=root).get_data(as_text=True)
            others = [other for other in roots if other != root]
            assert f'href="{root}feed.atom"' in body, root
            assert not any(f'href="{other}feed.atom"' in body for other in others), root
    assert len(calls) == len(roots)


def test_each_value_of_a_parameter_the_view_reads_gets_its_own_answer(app: Flask) -> None:
    """limit=1 and limit=2 are two answers, however often each is asked, in any order."""
    client = app.test_client()
    for _ in range(3):
        assert items(client, "/feed.rss?limit=1") == 1
        assert items(client, "/feed.rss?limit=2") == 2
        assert items(client, "/feed.rss") == 3
        assert items(client, "/feed.rss?limit=1&page=2") == 1


def test_with_base_url_path_parameters_and_gzip_still_tell_answers_apart(
        seeds_dir: Path, write_seed: Callable[..., Path]) -> None:
    """BASE_URL leaves the host, scheme and prefix out of the key, and nothing else."""
    for n in range(1, 4):
        write_seed(f"{n}.md", **article_fields(n))
    client = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600,
                         "BASE_URL": "https://feeds.example"}).test_client()
    for _ in range(3):
        assert items(client, "/feed.rss") == 3 and items(client, "/feed.rss?limit=1") == 1
        assert client.get("/feed.atom").data.count(b"<entry>") == 3
        zipped = client.get("/feed.rss", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert "Content-Encoding" not in client.get("/feed.rss").headers


def test_a_blank_or_repeated_parameter_is_refused_even_after_the_plain_feed(app: Flask) -> None:
    """?limit= is no plain feed, nor is ?limit=1&limit=2 the feed of limit=1."""
    client = app.test_client()
    for _ in range(2):
        assert items(client, "/feed.rss") == 3 and items(client, "/feed.rss?limit=1") == 1
        assert client.get("/feed.rss?limit=").status_code == 400
        assert client.get("/feed.rss?limit=1&limit=2").status_code == 400


def test_parameter_order_and_unknown_parameters_make_no_entries_of_their_own(app: Flask) -> None:
    """Tracking parameters and the order of the parameters reach Flask once, not each time."""
    client = app.test_client()
    calls = counting(app)
    assert len(app.wsgi_app) == 0  # type: ignore[arg-type]  # nothing kept before a request
    for n in range(5):
        assert items(client, f"/feed.rss?limit=2&page=1&utm_source=s{n}") == 2
        assert items(client, f"/feed.rss?page=1&utm_medium=m{n}&limit=2") == 2
        assert items(client, f"/feed.rss?fbclid={n}") == 3
    assert calls == ["/feed.rss"] * 2 and len(app.wsgi_app) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize(("length", "kept"), [(MAX_KEY_TEXT, True), (MAX_KEY_TEXT + 1, False)])
def test_a_request_longer_than_the_bound_is_never_kept(app: Flask, length: int,
                                                       kept: bool) -> None:
    """Path, query and host over 512 characters together: answered by Flask each time."""
    client = app.test_client()
    calls = counting(app)
    query = "utm_source=" + "x" * (length - len("/feed.rss") - len("localhost") - 11)
    assert len("/feed.rss") + len(query) + len("localhost") == length
    for _ in range(3):
        assert items(client, f"/feed.rss?{query}") == 3
    assert len(calls) == (1 if kept else 3)
    assert len(app.wsgi_app) == (1 if kept else 0)  # type: ignore[arg-type]


def test_past_its_bound_the_fast_path_keeps_the_most_recently_used(app: Flask) -> None:
    """With room for 3, after 6 hosts the last 3 are answered without Flask, the first not."""
    app.wsgi_app.max_entries = 3  # type: ignore[attr-defined]
    client = app.test_client()
    calls = counting(app)
    hosts = [f"h{n}.example" for n in range(6)]
    for host in hosts:
        client.get("/feed.rss", headers={"Host": host})
    for host in hosts[3:]:
        assert f"http://{host}/".encode() in client.get("/feed.rss", headers={"Host": host}).data
    assert calls == ["/feed.rss"] * 6 and len(app.wsgi_app) == 3  # type: ignore[arg-type]
    client.get("/feed.rss", headers={"Host": hosts[0]})
    assert len(calls) == 7


def test_a_long_accept_encoding_that_accepts_gzip_gets_gzip(app: Flask) -> None:
    """Past 128 characters the value is read each time, and still read right."""
    client = app.test_client()
    encoding = ", ".join([f"x-coding-{n};q=0.1" for n in range(10)] + ["gzip"])
    assert len(encoding) > 128
    for _ in range(3):
        response = client.get("/feed.rss", headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == "gzip"
    refused = encoding.replace("gzip", "gzip;q=0")
    for _ in range(3):
        assert "Content-Encoding" not in client.get(
            "/feed.rss", headers={"Accept-Encoding": refused}).headers


def test_a_head_from_the_fast_path_has_the_headers_of_the_get_and_no_body(app: Flask) -> None:
    """HEAD repeats: the same status and headers as the GET's, and nothing after them."""
    client = app.test_client()
    calls = counting(app)
    get = client.get("/feed.rss")
    for _ in range(3):
        head = client.head("/feed.rss")
        assert head.status == "200 OK" and head.data == b""
        assert head.headers["ETag"] == get.headers["ETag"]
        assert head.headers["Content-Length"] == str(len(get.data))
    assert calls == ["/feed.rss"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405_even_on_a_path_the_fast_path_knows(app: Flask,
                                                                   method: str) -> None:
    """Only GET and HEAD are answered: the others reach Flask, which says what is allowed."""
    client = app.test_client()
    client.get("/feed.rss")
    for _ in range(2):
        response = client.open("/feed.rss", method=method)
        assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_a_document_the_document_cache_let_go_is_rendered_again(
        seeds_dir: Path, write_seed: Callable[..., Path]) -> None:
    """With room for one document only, two feeds asked in turn are each answered in full."""
    write_seed("1.md", **article_fields(1))
    client = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600,
                         "DOCUMENT_CACHE_MB": 0}).test_client()
    first = {path: client.get(path).data for path in ("/feed.rss", "/feed.atom")}
    for _ in range(3):
        for path, body in first.items():
            response = client.get(path)
            assert response.status_code == 200 and response.data == body


def bare_get(app: Flask, path: str, server: str, leave_out: tuple[str, ...],
             **empty: str) -> bytes:
    """The body of a GET from a WSGI server that leaves the keys leave_out out of the environ
    (PEP 3333 lets it leave out empty ones; HTTP/1.0 has no Host), and sets those of empty."""
    environ = EnvironBuilder(path=path, base_url=server).get_environ()
    for key in leave_out:
        del environ[key]
    environ.update(empty)
    body, status, _ = run_wsgi_app(app, environ, buffered=True)
    assert status == "200 OK", (path, status)
    return b"".join(body)


def test_a_server_that_leaves_empty_variables_out_gets_the_same_answers(app: Flask) -> None:
    """No QUERY_STRING, no SCRIPT_NAME, no PATH_INFO at all: answered as if each were empty."""
    client = app.test_client()
    calls = counting(app)
    feed, home = client.get("/feed.rss").data, client.get("/").data
    for _ in range(3):
        assert bare_get(app, "/feed.rss", "http://localhost/",
                        ("QUERY_STRING", "SCRIPT_NAME")) == feed
        assert bare_get(app, "/", "http://localhost/", ("PATH_INFO", "QUERY_STRING")) == home
        assert bare_get(app, "/", "http://localhost/", (), PATH_INFO="") == home
    assert calls == ["/feed.rss", "/", ""]  # a left-out key is the empty one's; "" is no "/"


def test_without_a_host_header_each_server_name_and_port_gets_its_own_links(
        app: Flask) -> None:
    """HTTP/1.0 requests without Host: links of the name and port the server listens at."""
    servers = ["http://a.example/", "http://b.example:8080/", "http://a.example:8080/"]
    for _ in range(3):
        for server in servers:
            body = bare_get(app, "/feed.atom", server, ("HTTP_HOST",)).decode()
            assert f'href="{server}feed.atom"' in body, server
            assert not any(f'href="{other}feed.atom"' in body
                           for other in servers if other != server), server


def metrics_once_counted(client: FlaskClient, line: str) -> str:
    """The /metrics text once it has line (the observer's thread counts each quarter second)."""
    deadline = time.monotonic() + 20
    while True:
        text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
        if line in text or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def test_the_metrics_count_fast_path_answers_under_their_route_with_one_render(
        seeds_dir: Path, write_seed: Callable[..., Path]) -> None:
    """Five GETs of a feed: five feed answers in feeds_requests_total, one render."""
    for n in range(1, 4):
        write_seed(f"{n}.md", **article_fields(n))
    client = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600,
                         "STATS_TOKEN": TOKEN}).test_client()
    for _ in range(5):
        assert client.get("/feed.rss").status_code == 200
    answered = 'feeds_requests_total{format="rss",route="feed",status="200"} 5.0'
    text = metrics_once_counted(client, answered)
    assert answered in text
    assert 'feeds_render_seconds_count{route="feed"} 1.0' in text

"""The production server, `flask --app wsgi serve`: slow, idle and abusive clients, keep-alive,
workers that die or are stopped, and starts warmed by the parse cache its launcher writes."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from abuse import idle_connections, raw_exchange, seconds_to_answer, trickling_connections
from conftest import article_fields, seed_text
from servers import REPO, fetch, free_port, serve, serve_process, wait_until_up

from feeds.serve import _write_cache_in_a_child
from feeds.view.corpus import Corpus

pytestmark = pytest.mark.server
HEADER_TIMEOUT = 2


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Path:
    """Forty seeds over four topics, written for these tests."""
    folder = tmp_path_factory.mktemp("serve") / "seeds"
    folder.mkdir()
    for n in range(1, 41):
        (folder / f"{n:02d}.md").write_text(seed_text(**article_fields(
            n % 28 + 1, originalUrl=f"https://news.example.com/serve/{n}",
            topics=[f"Topic {n % 4}"])))
    return folder


@pytest.fixture(scope="module")
def server(seeds):
    """`serve` with 2 workers and a short header timeout: (base URL, main process)."""
    env = {"FEEDS_SEEDS_DIR": str(seeds)}
    with serve_process(env, 2, "--header-timeout", str(HEADER_TIMEOUT)) as running:
        yield running


def worker_pids(main: subprocess.Popen[bytes]) -> set[int]:
    """The worker processes of a serve main process."""
    children = Path(f"/proc/{main.pid}/task/{main.pid}/children").read_text().split()
    return {int(pid) for pid in children}


def process_state(pid: int) -> str:
    """A process's state letter from /proc (Z: dead, not yet reaped), or "gone"."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except FileNotFoundError:
        return "gone"


def test_trickling_clients_do_not_stop_normal_requests(server):
    base, _ = server
    with trickling_connections(base, 32, interval=0.5):
        time.sleep(1)
        for _ in range(5):
            seconds_to_answer(f"{base}/feed.rss", timeout=3)


def test_idle_connections_do_not_stop_normal_requests(server):
    base, _ = server
    with idle_connections(base, 300):
        for _ in range(5):
            seconds_to_answer(f"{base}/feed.rss", timeout=3)


def test_headers_that_never_finish_are_cut_off(server):
    base, _ = server
    with trickling_connections(base, 4, interval=0.5) as stats:
        time.sleep(HEADER_TIMEOUT + 2)
    assert stats["cut"] >= 4
    partial = b"GET /feed.rss HTTP/1.1\r\nHost: feeds.test\r\n"
    assert raw_exchange(base, partial, timeout=HEADER_TIMEOUT + 5) in (b"", b"HTTP/1.1 408")


def test_an_idle_keep_alive_connection_is_closed_after_the_timeout(server):
    base, _ = server
    received = raw_exchange(base, b"", timeout=HEADER_TIMEOUT + 5)
    assert received == b""


@pytest.mark.parametrize("request_bytes", [
    b"GET /feed.rss HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n",
    b"GET /feed.rss HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: a\r\n" % n for n in range(3000))
    + b"\r\n",
    b"GET /feed.rss?" + b"a" * 300_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
    b"GET /feed.rss HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n" + b"a" * 1000,
], ids=["huge-header", "many-headers", "huge-request-line", "tls-hello", "huge-body"])
def test_oversized_or_garbled_requests_get_a_4xx_or_a_close_never_a_5xx(server, request_bytes):
    base, _ = server
    answer = raw_exchange(base, request_bytes, timeout=HEADER_TIMEOUT + 5)
    status = answer.split(b"\r\n", 1)[0]
    assert status == b"" or status[9:10] in (b"2", b"4"), status
    assert not status.startswith(b"HTTP/1.1 2") or b"Content-Length: 1000000000" in request_bytes
    assert fetch(f"{base}/feed.rss")[0] == 200


def test_keep_alive_serves_several_requests_on_one_connection(server):
    base, _ = server
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=5)
    statuses = []
    for path in ("/feed.rss", "/feed.atom", "/healthz"):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        statuses.append((response.status, response.getheader("connection")))
        socket_used = connection.sock
    assert socket_used is connection.sock
    assert [status for status, _ in statuses] == [200, 200, 200]
    assert all(header != "close" for _, header in statuses)
    connection.close()


def test_pipelined_requests_are_answered_in_order(server):
    base, _ = server
    requests = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /feed.json HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    answer = raw_exchange(base, requests)
    statuses = re.findall(rb"HTTP/1\.1 [0-9]{3} [A-Za-z ]+", answer)
    assert statuses == [b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK", b"HTTP/1.1 404 Not Found"]
    assert answer.index(b'"status"') < answer.index(b"jsonfeed.org")


def test_a_killed_worker_is_replaced_and_no_request_fails(server):
    if Path("/proc/sys/net/ipv4/tcp_migrate_req").read_text().strip() != "1":
        pytest.skip("net.ipv4.tcp_migrate_req is 0, so a dying worker's queued connections "
                    "are reset (docs/deploy.md); `bash .ci/setup` sets it")
    base, main = server
    before = worker_pids(main)
    assert len(before) == 2
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    while process_state(victim) not in ("Z", "gone"):  # a request racing the kill may fail
        time.sleep(0.001)
    statuses: list[int] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (len(worker_pids(main)) < 2 or victim in
                                           worker_pids(main) or len(statuses) < 50):
        statuses.append(fetch(f"{base}/feed.rss")[0])
        time.sleep(0.02)
    after = worker_pids(main)
    assert len(after) == 2 and victim not in after
    assert set(statuses) == {200}


def test_sigterm_lets_requests_in_flight_finish(seeds):
    with serve_process({"FEEDS_SEEDS_DIR": str(seeds)}, 2) as (base, main):
        results: list[int | str] = []

        def get(limit: int) -> None:
            try:
                with urllib.request.urlopen(f"{base}/feed.atom?limit={limit}", timeout=20) as r:
                    results.append(r.status if b"</feed>" in r.read() else "cut")
            except OSError as error:
                results.append(repr(error))

        threads = [threading.Thread(target=get, args=(n,)) for n in range(1, 25)]
        for thread in threads:
            thread.start()
        time.sleep(0.05)
        main.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join()
        assert main.wait(timeout=40) == 0
    assert results == [200] * 24


def test_the_launcher_writes_the_parse_cache_and_a_restart_starts_from_it(tmp_path):
    seeds, cache = tmp_path / "seeds", tmp_path / "cache"
    seeds.mkdir()
    seed = seeds / "a.md"
    seed.write_text(seed_text(**article_fields(1, title="Cached AAAA")))
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_CACHE_DIR": str(cache)}
    with serve(env) as base:
        deadline = time.monotonic() + 10
        while not list(cache.glob("parse-cache-*")):
            assert time.monotonic() < deadline, "no parse cache written"
            time.sleep(0.05)
    # The cache says otherwise than the unchanged file: only a start from the cache says so.
    cache_file, = cache.glob("parse-cache-*")
    cache_file.write_bytes(cache_file.read_bytes().replace(b"AAAA", b"BBBB"))
    with serve(env) as base:
        assert b"Cached BBBB" in fetch(f"{base}/feed.rss")[2]
    cache_file.write_bytes(cache_file.read_bytes()[:100])  # half-written
    with serve(env) as base:
        assert b"Cached AAAA" in fetch(f"{base}/feed.rss")[2]


def test_the_launcher_writes_the_parse_cache_itself_where_a_thread_makes_forking_unsafe(
        tmp_path):
    seeds, cache = tmp_path / "seeds", tmp_path / "cache"
    seeds.mkdir()
    (seeds / "a.md").write_text(seed_text(**article_fields(1)))
    corpus = Corpus(seeds, reload_seconds=0, cache_dir=cache)
    corpus.snapshot()
    forks: list[int] = []
    os.register_at_fork(before=lambda: forks.append(os.getpid()))
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        _write_cache_in_a_child(corpus)
    finally:
        stop.set()
        thread.join()
    assert forks == [] and not corpus.wants_saving()
    assert len(list(cache.glob("parse-cache-*.pickle"))) == 1


def test_granian_run_directly_serves_the_app(seeds):
    port = free_port()
    command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "2", "--http", "1", "--workers-kill-timeout",
               "5", "wsgi:app"]  # the settings the README tells such operators to choose
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ,
                                                       "FEEDS_SEEDS_DIR": str(seeds)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        status, headers, body = fetch(f"http://127.0.0.1:{port}/topics/topic-1.atom")
        assert status == 200 and b"https://news.example.com/serve/1" in body
        assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    finally:
        process.terminate()
        process.wait(timeout=40)


def test_bind_must_be_host_and_port_or_a_unix_socket():
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--bind",
                             "nowhere"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2
    assert "HOST:PORT" in result.stderr


def test_serve_listens_on_a_unix_socket(seeds, tmp_path):
    path = tmp_path / "feeds.sock"
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--bind", f"unix:{path}"]
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ,
                                                       "FEEDS_SEEDS_DIR": str(seeds)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not path.exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        answer = b""
        while b"\r\n\r\n" not in answer:
            assert time.monotonic() < deadline
            answer = _unix_get(path, "/healthz")
        assert answer.startswith(b"HTTP/1.1 200")
    finally:
        process.terminate()
        process.wait(timeout=40)


def _unix_get(path: Path, target: str) -> bytes:
    """A GET over a unix socket: the raw answer, or b"" while the server is not ready."""
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(path))
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
            return answer
    except OSError:
        return b""

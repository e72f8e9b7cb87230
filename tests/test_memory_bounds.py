"""Memory one client can make a worker hold stays near the stated bounds, measured on the real
server through /proc: the document cache's budget; stalled readers, cut off by nginx in front
(deploy/nginx.conf) or, without it, when their worker passes --max-rss (issue 19)."""

import random
import socket
import time
from pathlib import Path

import pytest
from conftest import article_fields, seed_text
from servers import (
    deploy_conf,
    fetch,
    free_port,
    nginx,
    serve_process,
    stalled_clients,
    wait_until_up,
)

from feeds.serve import KILL_TIMEOUT, RSS_SAMPLE_SECONDS

pytestmark = pytest.mark.server
BUDGET_MB = 8
SEND_TIMEOUT = 2  # deploy/nginx.conf's 10 s, shortened for the test
SLACK_MB = 8  # what rendering leaves behind in the heap, whatever the budget (README)


def worker_kib(main, field: str = "VmRSS") -> int:
    """A field of /proc/PID/status of the one worker of a serve main process, in KiB."""
    pid = Path(f"/proc/{main.pid}/task/{main.pid}/children").read_text().split()[0]
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines()
                if x.startswith(field + ":"))
    return int(line.split()[1])


def write_seeds(folder: Path, count: int, excerpt_words: int) -> None:
    """count published seeds with excerpts of excerpt_words random words."""
    rng = random.Random(19)
    words = [f"w{n}" for n in range(5000)]
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        excerpt = " ".join(rng.choice(words) for _ in range(excerpt_words))
        (folder / f"{n}.md").write_text(seed_text(**article_fields(
            n % 28 + 1, originalUrl=f"https://memory.example/{n}", excerpt=excerpt)))


def test_many_distinct_documents_grow_a_worker_by_about_the_cache_budget(tmp_path):
    write_seeds(tmp_path / "seeds", 400, 250)
    env = {"FEEDS_SEEDS_DIR": str(tmp_path / "seeds"), "FEEDS_DOCUMENT_CACHE_MB": str(BUDGET_MB)}
    with serve_process(env, 1) as (base, main):
        assert fetch(f"{base}/feed.json?limit=400")[0] == 200
        before = worker_kib(main)
        served = 0
        for limit in range(10, 401, 10):
            for fmt in ("json", "atom"):
                status, _, body = fetch(f"{base}/feed.{fmt}?limit={limit}")
                assert status == 200
                served += len(body)
        grown_mb = (worker_kib(main) - before) / 1024
    assert served > 4 * BUDGET_MB * 2**20  # far more than the cache may keep
    assert grown_mb < BUDGET_MB + SLACK_MB, f"{grown_mb:.0f} MiB for a {BUDGET_MB} MiB cache"


def was_closed(sock: socket.socket) -> bool:
    """Whether the server has closed sock (a keep-alive connection it keeps open stays silent
    once what the kernel kept of the answer is read)."""
    sock.settimeout(3)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def test_behind_nginx_stalled_readers_hold_no_app_memory_and_are_cut_off(public_tmp):
    root = public_tmp / "stalled"
    write_seeds(root / "seeds", 400, 250)
    env = {"FEEDS_SEEDS_DIR": str(root / "seeds"), "FEEDS_TRUST_PROXY": "1",
           "FEEDS_BASE_URL": "http://feeds.test"}
    conf = deploy_conf(free_port(), ["x", "x"], root / "cache")
    assert "send_timeout 10s;" in conf and "limit_conn seed_feeds_clients 64;" in conf
    with serve_process(env, 1) as (app, main):
        port = free_port()
        # A small send buffer stands for a long way to a slow client: nginx cannot hand the
        # whole answer to the kernel, and has to wait for the client to read.
        conf = deploy_conf(port, [app, app], root / "cache").replace(
            "send_timeout 10s;", f"send_timeout {SEND_TIMEOUT}s;").replace(
            f"listen 127.0.0.1:{port};", f"listen 127.0.0.1:{port} sndbuf=16k;")
        with nginx(conf, root / "nginx"):
            proxy = f"http://127.0.0.1:{port}"
            wait_until_up(f"{proxy}/healthz")
            path = "/feed.json?limit=400"
            length = len(fetch(proxy + path)[2])
            before = worker_kib(main)
            sockets = stalled_clients(proxy, path, 40)
            time.sleep(SEND_TIMEOUT + 2)
            grown_mb = (worker_kib(main) - before) / 1024
            cut = [was_closed(sock) for sock in sockets]
            for sock in sockets:
                sock.close()
    assert length > 1_000_000
    assert grown_mb < 5, f"{grown_mb:.0f} MiB held for 40 stalled readers"
    assert all(cut)


def worker_pid(main) -> int:
    """The pid of the one worker of a serve main process."""
    return int(Path(f"/proc/{main.pid}/task/{main.pid}/children").read_text().split()[0])


def test_without_a_proxy_a_worker_that_stalled_readers_grow_past_max_rss_is_replaced(tmp_path):
    write_seeds(tmp_path / "seeds", 400, 250)
    env = {"FEEDS_SEEDS_DIR": str(tmp_path / "seeds")}
    with serve_process(env, 1) as (base, main):  # the worker's own size, with no limit
        size_mb = worker_kib(main) / 1024
    with serve_process(env, 1, "--max-rss", str(int(size_mb + 20))) as (base, main):
        path = "/feed.json?limit=400"
        assert fetch(base + path)[0] == 200
        first = worker_pid(main)
        sockets = stalled_clients(base, path, 60)  # each holds a copy: 60 MiB and more
        time.sleep(1)
        grown_mb = worker_kib(main) / 1024 - size_mb
        deadline = time.monotonic() + RSS_SAMPLE_SECONDS + KILL_TIMEOUT + 15  # at the latest
        while time.monotonic() < deadline and Path(f"/proc/{first}").exists():
            time.sleep(0.5)
        replaced = worker_pid(main) != first
        cut = [was_closed(sock) for sock in sockets]
        assert fetch(base + "/feed.rss")[0] == 200  # the new worker answers
        for sock in sockets:
            sock.close()
    assert grown_mb > 20 and replaced and all(cut), (grown_mb, replaced, cut)

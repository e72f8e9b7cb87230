"""Two instances behind the repository's deploy/nginx.conf: one cache, the same bytes from
each, 304s and revalidation through the proxy, failover, and changes reaching clients."""

import gzip
import json
import os
import shutil
import signal
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import article_fields, seed_text
from servers import deploy_conf, fetch, free_port, nginx, serve_process, wait_until_up

pytestmark = pytest.mark.server
MAX_AGE, RELOAD = 2, 1
PATHS = ["/feed.rss", "/feed.atom", "/feed.json", "/", "/opml.xml", "/topics/canvas-apps.json",
         "/providers/microsoft.com"]


@contextmanager
def running_stack(root: Path, corpus_dir: Path):
    """Two instances over two copies of the corpus behind deploy/nginx.conf, files under root:
    {"proxy": URL, "instances": [URL, URL], "seeds": [dir, dir], "processes", "logs"}."""
    root.mkdir()
    root.chmod(0o755)
    seeds = []
    for n, copy in enumerate([shutil.copy2, shutil.copy]):  # the second copy gets new mtimes
        folder = root / f"seeds-{n}"
        shutil.copytree(corpus_dir / "_news", folder / "_news", copy_function=copy)
        shutil.copytree(corpus_dir / "_data", folder / "_data", copy_function=copy)
        seeds.append(folder)
    env = {"FEEDS_BASE_URL": "http://feeds.test", "FEEDS_TRUST_PROXY": "1",
           "FEEDS_MAX_AGE": str(MAX_AGE), "FEEDS_RELOAD_SECONDS": str(RELOAD)}
    logs = [root / "access-0.log", root / "access-1.log"]
    with serve_process({**env, "FEEDS_SEEDS_DIR": str(seeds[0])}, 1, "--access-log",
                       output=logs[0]) as (first, first_process), \
         serve_process({**env, "FEEDS_SEEDS_DIR": str(seeds[1])}, 1, "--access-log",
                       output=logs[1]) as (second, second_process):
        port = free_port()
        conf = deploy_conf(port, [first, second], root / "cache")
        assert conf.count(str(root)) == 1 and f":{port}" in conf
        with nginx(conf, root / "nginx"):
            proxy = f"http://127.0.0.1:{port}"
            wait_until_up(f"{proxy}/healthz")
            yield {"proxy": proxy, "instances": [first, second], "seeds": seeds,
                   "processes": [first_process, second_process], "logs": logs}


@pytest.fixture(scope="module")
def stack(public_tmp, corpus_dir):
    """The stack the tests share; none of them stops any part of it."""
    with running_stack(public_tmp / "shared-stack", corpus_dir) as running:
        yield running


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_each_instance_serves_the_same_bytes_and_validators(stack, encoding):
    for path in PATHS:
        answers = [fetch(base + path, {"Accept-Encoding": encoding})
                   for base in stack["instances"]]
        (status_a, headers_a, body_a), (status_b, headers_b, body_b) = answers
        assert status_a == status_b == 200
        assert body_a == body_b, path
        for header in ("ETag", "Last-Modified", "Content-Type"):
            assert headers_a[header] == headers_b[header], (path, header)


def test_the_proxy_serves_repeats_from_its_cache(stack):
    url = stack["proxy"] + "/topics/canvas-apps.rss"
    statuses = [fetch(url)[1]["X-Cache-Status"] for _ in range(3)]
    assert statuses[0] in ("MISS", "HIT", "EXPIRED", "STALE", "UPDATING", "REVALIDATED")
    assert statuses[1:] == ["HIT", "HIT"]
    assert fetch(url)[2] == fetch(stack["instances"][0] + "/topics/canvas-apps.rss")[2]


def test_gzip_passes_through_the_proxy(stack):
    _, headers, body = fetch(stack["proxy"] + "/feed.atom", {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == fetch(stack["proxy"] + "/feed.atom")[2]


def test_conditional_get_through_the_proxy_is_304(stack):
    url = stack["proxy"] + "/feed.json"
    etag = fetch(url)[1]["ETag"]
    status, _, body = fetch(url, {"If-None-Match": etag})
    assert (status, body) == (304, b"")


def test_after_max_age_the_proxy_revalidates_and_the_app_answers_304(stack):
    url = stack["proxy"] + "/providers/microsoft.com.atom"
    fetch(url)
    time.sleep(MAX_AGE + 0.5)
    deadline = time.monotonic() + 5
    while not revalidated(stack["logs"], "/providers/microsoft.com.atom"):
        assert time.monotonic() < deadline, "the app never answered a revalidation"
        fetch(url)  # stale: nginx asks the app again, with the app's ETag
        time.sleep(0.3)


def revalidated(logs: list[Path], path: str) -> bool:
    """Whether an access log shows the app answering path with a 304."""
    return any(f"GET {path} " in line and '" 304 ' in line
               for log in logs for line in log.read_text().splitlines())


def test_a_new_seed_reaches_clients_within_max_age_plus_reload(stack):
    url = "https://news.example.com/through-the-proxy"
    text = seed_text(**article_fields(1, originalUrl=url, publishedDateTime="2030-01-01"))
    text = text.replace("2030-01-01", "2025-06-01")
    fetch(stack["proxy"] + "/feed.json")
    started = time.monotonic()
    for folder in stack["seeds"]:
        (folder / "_news" / "zz-new.md").write_text(text)
    while url not in fetch(stack["proxy"] + "/feed.json")[2].decode():
        assert time.monotonic() - started < MAX_AGE + RELOAD + 2, "not fresh in time"
        time.sleep(0.1)


def test_with_one_instance_killed_no_request_fails(public_tmp, corpus_dir):
    with running_stack(public_tmp / "killed-stack", corpus_dir) as stack:
        kill_the_first_instance(stack)
        for n in range(1, 41):
            status, _, _ = fetch(f"{stack['proxy']}/feed.rss?limit={n}")
            assert status == 200, n


def kill_the_first_instance(stack) -> None:
    """SIGKILL the first instance's workers and main process, as a crash would."""
    master = stack["processes"][0]
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    master.kill()
    master.wait()


def test_through_the_proxy_a_since_window_moves_on_by_the_clock(public_tmp):
    root = public_tmp / "since-stack"
    (root / "seeds").mkdir(parents=True)
    root.chmod(0o755)
    now = datetime.now(UTC).replace(microsecond=0)
    for n, age in [(1, timedelta(minutes=59, seconds=54)), (2, timedelta(minutes=30))]:
        (root / "seeds" / f"{n}.md").write_text(seed_text(**article_fields(
            n, publishedDateTime=(now - age).isoformat())))
    with serve_process({"FEEDS_SEEDS_DIR": str(root / "seeds"), "FEEDS_TRUST_PROXY": "1",
                        "FEEDS_BASE_URL": "http://feeds.test"}, 1) as (instance, _):
        port = free_port()
        with nginx(deploy_conf(port, [instance, instance], root / "cache"), root / "nginx"):
            url = f"http://127.0.0.1:{port}/feed.json?since=1h"
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
            status, headers, body = fetch(url)
            assert status == 200 and len(json.loads(body)["items"]) == 2
            assert int(headers["Cache-Control"].split("max-age=")[1]) <= 6
            time.sleep(max(0.0, (now + timedelta(seconds=7) - datetime.now(UTC))
                           .total_seconds()))
            answers = []
            for _ in range(20):  # nginx may hand out its stale copy once while it refreshes
                answers.append(len(json.loads(fetch(url)[2])["items"]))
                if answers[-1] == 1:
                    break
                time.sleep(0.1)
            assert answers[-1] == 1 and len(answers) <= 2, answers

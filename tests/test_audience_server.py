"""Subscribers counted by the real production server: with 2 workers and with 2 instances on
one STATE_DIR, behind nginx through its access log, with nothing of an address in the store,
and the page in a real headless Chromium."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SITE
from servers import REPO, deploy_conf, fetch, free_port, nginx, serve, wait_until_up

from feeds.web.salt import SHARED_MEMORY, Salts

pytestmark = pytest.mark.server
NEWSBOAT = "Newsboat/2.36 (Linux x86_64)"
FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; {} subscribers; like FeedFetcher-Google)"
READERS = [f"127.0.0.{n}" for n in range(2, 8)]  # six readers, each from its own address
TOKEN = "stats-token"


def env(state: Path, **more: str) -> dict[str, str]:
    return {"FEEDS_SEEDS_DIR": str(SITE), "FEEDS_STATE_DIR": str(state),
            "FEEDS_STATS_TOKEN": TOKEN, **more}


def poll(base: str, path: str, address: str, agent: str) -> int:
    """GET base+path from address (a new connection each time: any worker may answer)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10,
                                            source_address=(address, 0))
    try:
        connection.request("GET", path, headers={"User-Agent": agent})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def stats(base: str) -> dict[str, Any]:
    status, _, body = fetch(f"{base}/stats.json", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    return json.loads(body)


def feed_row(base: str, feed: str, expected: dict[str, Any], seconds: float = 30
             ) -> dict[str, Any]:
    """The feed's row of /stats.json once it is as expected (the workers write every 5 s)."""
    deadline = time.monotonic() + seconds
    while True:
        rows = {row["feed"]: row for row in stats(base)["feeds"]}
        row = rows.get(feed, {})
        if {key: row.get(key) for key in expected} == expected or time.monotonic() > deadline:
            return row
        time.sleep(0.5)


def test_two_workers_count_each_reader_once(state_dir):
    with serve(env(state_dir), workers=2) as base:
        for _ in range(4):
            for address in READERS:
                assert poll(base, "/feed.rss", address, NEWSBOAT) == 200
        poll(base, "/feed.rss", "127.0.0.9", FEEDLY.format(7))
        row = feed_row(base, "/feed", {"readers": 6, "reported": 7})
        assert row["readers"] == 6 and row["reported"] == 7 and row["formats"] == {"rss": 13}
        status, _, metrics = fetch(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})
        assert b'feeds_requests_total{format="rss",route="feed",status="200"} 25.0' in metrics


def test_two_instances_on_one_state_dir_count_each_reader_once(state_dir):
    state = state_dir
    with serve(env(state)) as first, serve(env(state)) as second:
        for address in READERS:
            for base in (first, second):
                assert poll(base, "/topics/astronomy.atom", address, NEWSBOAT) == 200
        poll(first, "/topics/astronomy.atom", "127.0.0.9", FEEDLY.format(7))
        time.sleep(1.1)
        poll(second, "/topics/astronomy.atom", "127.0.0.10", FEEDLY.format(9))  # the latest
        for base in (first, second):
            row = feed_row(base, "/topics/astronomy", {"readers": 6, "reported": 9})
            assert (row["readers"], row["reported"]) == (6, 9)


def test_nothing_of_an_address_or_user_agent_is_in_the_store(state_dir):
    state = state_dir
    with serve(env(state), workers=2) as base:
        for address in READERS:
            poll(base, "/feed.json", address, NEWSBOAT)
        feed_row(base, "/feed", {"readers": 6})
    stored = b"".join(path.read_bytes() for path in state.iterdir())
    assert stored and b"Newsboat" in stored  # the service's name is kept, nothing more
    for address in READERS:
        assert address.encode() not in stored
        assert socket.inet_aton(address) not in stored
    assert b"Linux x86_64" not in stored and b"127.0.0" not in stored


def test_behind_nginx_the_access_log_counts_the_polls_the_cache_answered(public_tmp):
    root = public_tmp / "audience-stack"
    root.mkdir()
    with serve({"FEEDS_SEEDS_DIR": str(SITE), "FEEDS_TRUST_PROXY": "1"}) as instance:
        port = free_port()
        json_log = root / "access.json"
        conf = deploy_conf(port, [instance, instance], root / "cache", access_log=json_log)
        assert f"access_log {json_log} seed_feeds_json;" in conf  # deploy/nginx.conf's log
        conf = conf.replace(f"access_log {json_log} seed_feeds_json;",
                            f"access_log {json_log} seed_feeds_json; "
                            f"access_log {root / 'combined.log'} combined;")
        with nginx(conf, root / "nginx"):
            proxy = f"http://127.0.0.1:{port}"
            wait_until_up(f"{proxy}/healthz")
            for _ in range(3):
                for address in READERS:
                    assert poll(proxy, "/feed.atom", address, NEWSBOAT) == 200
                poll(proxy, "/feed.atom", "127.0.0.9", FEEDLY.format(11))
                poll(proxy, "/feed.atom", "127.0.0.8", "Mozilla/5.0 (compatible; Googlebot/2.1)")
        for log in (json_log, root / "combined.log"):
            state = root / f"state-{log.suffix[1:]}"
            state.mkdir(mode=0o700)
            assert count_log(log, state) == "24 feed polls counted from 1 log(s)"
            try:
                with serve(env(state)) as base:
                    row = feed_row(base, "/feed", {"readers": 6, "reported": 11}, seconds=5)
                    assert (row["readers"], row["reported"]) == (6, 11), log.name
            finally:
                for salt in SHARED_MEMORY.glob(f"{Salts(state).prefix}*"):
                    salt.unlink()


def count_log(log: Path, state: Path) -> str:
    """`flask --app wsgi audience-log LOG` with state; its last line of output."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "audience-log", str(log)], cwd=REPO,
        env={**os.environ, **env(state)}, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def test_the_stats_page_in_headless_chromium(state_dir):
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed: run `bash .ci/setup`"
    with serve(env(state_dir)) as base:
        for address in READERS[:3]:
            poll(base, "/topics/astronomy.rss", address, NEWSBOAT)
        poll(base, "/feed.rss", "127.0.0.9", FEEDLY.format(4))
        feed_row(base, "/topics/astronomy", {"readers": 3})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                "--disable-background-networking", "--disable-component-update"])
            page = browser.new_page(extra_http_headers={"Authorization": f"Bearer {TOKEN}"})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            response = page.goto(f"{base}/stats")
            assert response is not None and response.status == 200
            box = page.locator("svg.chart").bounding_box()
            lines = page.locator("svg.chart polyline").count()
            feeds = page.locator("table").nth(0).locator("tr").count()
            services = page.locator("table").nth(1).inner_text()
            scripts = page.locator("script").count()
            browser.close()
    assert box and box["width"] > 600 and box["height"] > 150
    assert lines == 3  # all feeds, then each of the two feeds read
    assert feeds == 3 and "Feedly" in services and "Newsboat" in services
    assert scripts == 0 and errors == []

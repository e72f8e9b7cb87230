"""Freshness with 2 workers of the production server: adds, edits, deletions and embargoes
show within seconds, and a local WebSub hub is told which feeds changed."""

import shutil
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest
from conftest import article_fields, seed_text
from servers import fetch, free_port, serve

pytestmark = pytest.mark.server
RUNS_OF_AGREEMENT = 12


class Hub(BaseHTTPRequestHandler):
    """A WebSub hub that records every publish ping."""

    pings: list[dict[str, list[str]]] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        Hub.pings.append(urllib.parse.parse_qs(self.rfile.read(length).decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def hub():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def live(tmp_path_factory, corpus_dir, hub):
    """(base URL, seeds folder) of 2 workers over a copy of the corpus, rescanning every second."""
    seeds = tmp_path_factory.mktemp("live") / "seeds"
    shutil.copytree(corpus_dir / "_news", seeds / "_news")
    shutil.copytree(corpus_dir / "_data", seeds / "_data")
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "1", "FEEDS_WEBSUB_HUB": hub,
           "FEEDS_BASE_URL": "http://feeds.test"}
    with serve(env, workers=2) as base:
        yield base, seeds


def ids(base: str, path: str = "/feed.atom?limit=500") -> list[str]:
    return [entry.id for entry in feedparser.parse(fetch(base + path)[2]).entries]


def served(base: str, text: str, path: str = "/feed.json?limit=500") -> bool:
    """Whether the feed at path holds text now."""
    return text in fetch(base + path)[2].decode()


def seconds_until(condition, limit: float = 10) -> float:
    """Seconds until condition() starts to hold for RUNS_OF_AGREEMENT polls in a row,
    so that both workers, which take requests as they come, have answered with it."""
    start = time.monotonic()
    streak, streak_start = 0, start
    while streak < RUNS_OF_AGREEMENT:
        now = time.monotonic()
        if condition():
            streak, streak_start = streak + 1, streak_start if streak else now
        else:
            streak = 0
        if now - start > limit:
            pytest.fail(f"not fresh after {limit} s")
    return streak_start - start


def test_new_seed_reaches_every_worker_within_4_s(live):
    base, seeds = live
    url = "https://news.example.com/fresh-new"
    seed_text_ = seed_text(**article_fields(1, originalUrl=url, topics=["Fresh topic"],
                                             publishedDateTime="2030-01-01T00:00:00Z"))
    assert url not in ids(base)
    (seeds / "new.md").write_text(seed_text_.replace("2030-01-01", "2025-01-01"))
    assert seconds_until(lambda: served(base, url)) < 4
    assert fetch(base + "/topics/fresh-topic.rss")[0] == 200


def test_edit_reaches_every_worker_within_4_s(live):
    base, seeds = live
    path = sorted((seeds / "_news").glob("*.md"))[-1]
    path.write_text(path.read_text().replace("title:", "title: EDITED", 1).replace(
        'title: EDITED "', 'title: "EDITED '))
    assert seconds_until(lambda: served(base, '"title": "EDITED ')) < 4


def add_seed(live, name: str, topic: str) -> str:
    """Write a published seed named name in topic and wait until it is served: its URL."""
    base, seeds = live
    url = f"https://news.example.com/{name}"
    (seeds / f"{name}.md").write_text(seed_text(**article_fields(
        3, originalUrl=url, topics=[topic], publishedDateTime="2025-02-01T00:00:00Z")))
    seconds_until(lambda: served(base, url))
    return url


def test_deletion_reaches_every_worker_within_4_s(live):
    base, seeds = live
    url = add_seed(live, "to-delete", "Doomed topic")
    (seeds / "to-delete.md").unlink()
    assert seconds_until(lambda: not served(base, url)) < 4
    assert fetch(base + "/topics/doomed-topic.rss")[0] == 404


def test_embargoed_seed_appears_by_itself_once_its_moment_passes(live):
    base, seeds = live
    url = "https://news.example.com/embargoed"
    moment = datetime.now(UTC) + timedelta(seconds=8)
    (seeds / "embargo.md").write_text(seed_text(**article_fields(
        2, originalUrl=url, publishedDateTime=moment.isoformat())))
    time.sleep(2.5)
    status, headers, body = fetch(base + "/feed.atom?limit=500")
    assert url not in body.decode()
    assert int(headers["Cache-Control"].split("max-age=")[1]) <= 6
    while datetime.now(UTC) < moment - timedelta(seconds=0.2):
        assert not served(base, url)
        time.sleep(0.2)
    assert seconds_until(lambda: served(base, url)) < 1.5
    assert url in ids(base)


def test_hub_is_told_which_feeds_changed(live):
    base, seeds = live
    (seeds / "hub-news.md").write_text(seed_text(**article_fields(
        5, originalUrl="https://news.example.com/hub-news", topics=["Hub topic"],
        publishedDateTime="2025-04-01T00:00:00Z")))
    deadline = time.monotonic() + 8
    feed = "http://feeds.test/topics/hub-topic.rss"
    while not any(feed in ping["hub.url"] for ping in Hub.pings):
        assert time.monotonic() < deadline, "the hub was never told"
        time.sleep(0.1)
    ping = next(ping for ping in Hub.pings if feed in ping["hub.url"])
    assert ping["hub.mode"] == ["publish"]
    assert "http://feeds.test/feed.atom" in ping["hub.url"]
    assert "http://feeds.test/topics/canvas-apps.rss" not in ping["hub.url"]


def test_each_change_is_pinged_once_not_once_per_worker(live):
    add_seed(live, "pinged", "Pinged once")
    time.sleep(4)  # each worker has scanned several times since: a second ping would be in
    feed = "http://feeds.test/topics/pinged-once.rss"
    assert sum(feed in ping["hub.url"] for ping in Hub.pings) == 1


def test_a_hub_url_without_a_scheme_fails_each_ping_and_stops_none(caplog):
    from feeds.web.websub import HubNotifier

    notifier = HubNotifier("hub.example/no-scheme", "http://feeds.test")
    for ping, url in enumerate(["http://feeds.test/feed.rss", "http://feeds.test/feed.atom"]):
        notifier.publish([url])
        deadline = time.monotonic() + 5
        while caplog.text.count("did not take the ping") <= ping:
            assert time.monotonic() < deadline, "the sender thread died at the first bad ping"
            time.sleep(0.05)

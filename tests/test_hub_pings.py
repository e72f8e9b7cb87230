"""Pings to an outside WebSub hub: changes that come close together are merged into one
pending set of URLs, bounded, sent once the delay has passed."""

import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from servers import free_port

from feeds.web.websub import MAX_PENDING, MAX_URLS_A_PING, HubNotifier


class RecordingHub(BaseHTTPRequestHandler):
    """A hub that records the hub.url values of every publish ping."""

    pings: list[list[str]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        RecordingHub.pings.append(urllib.parse.parse_qs(body)["hub.url"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hub():
    RecordingHub.pings = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), RecordingHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def announced() -> list[str]:
    return [url for ping in RecordingHub.pings for url in ping]


def wait_for(count: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while len(announced()) < count:
        assert time.monotonic() < deadline, f"{len(announced())} of {count} URLs announced"
        time.sleep(0.02)


def test_changes_during_the_delay_are_merged_into_one_ping(hub):
    notifier = HubNotifier(hub, "http://feeds.test", delay=0.5)
    for number in range(20):
        notifier.publish([f"http://feeds.test/topics/t{number}.rss", "http://feeds.test/feed.rss"])
    wait_for(21)
    time.sleep(0.7)  # a second ping would have come by now
    assert len(RecordingHub.pings) == 1
    assert sorted(announced()) == sorted({*(f"http://feeds.test/topics/t{n}.rss"
                                            for n in range(20)), "http://feeds.test/feed.rss"})


def test_a_change_after_a_ping_is_sent_in_the_next_one(hub):
    notifier = HubNotifier(hub, "http://feeds.test", delay=0.1)
    notifier.publish(["http://feeds.test/feed.rss"])
    wait_for(1)
    notifier.publish(["http://feeds.test/feed.rss"])
    wait_for(2)
    assert RecordingHub.pings == [["http://feeds.test/feed.rss"]] * 2


def test_pending_urls_are_bounded_and_the_excess_logged(hub, caplog):
    notifier = HubNotifier(hub, "http://feeds.test", delay=0.5)
    for start in range(0, MAX_PENDING + 1000, 100):
        notifier.publish([f"http://feeds.test/topics/t{n}.rss" for n in range(start, start + 100)])
    wait_for(MAX_PENDING)
    time.sleep(0.7)
    assert len(announced()) == MAX_PENDING
    assert max(len(ping) for ping in RecordingHub.pings) == MAX_URLS_A_PING
    assert "more dropped" in caplog.text

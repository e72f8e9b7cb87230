"""The hub's safety and its limits, without a production server: which callbacks it calls and
how (public addresses only, no redirects, small reads, a deadline), the caps on requests, and
discovery of the hub in every feed."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import BASE_URL, article_fields
from subscriber import Subscriber, wait_until

from feeds.web.callbacks import MAX_ANSWER_BYTES, CallbackRefused, call, check_address

HUB = f"{BASE_URL}/websub"


class Callback(BaseHTTPRequestHandler):
    """A callback that redirects, answers at length, or never answers, by path."""

    hits: list[str] = []

    def do_GET(self):
        Callback.hits.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.end_headers()
        elif self.path.startswith("/long"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 1_000_000)
        elif self.path.startswith("/silent"):
            time.sleep(3)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def callback_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Callback)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.0.1",
                                     "169.254.169.254", "::1", "fe80::1", "fc00::1",
                                     "::ffff:127.0.0.1", "100.64.0.1",
                                     # IPv4 inside IPv6: NAT64, 6to4, IPv4-compatible
                                     "64:ff9b::7f00:1", "64:ff9b::10.0.0.1",
                                     "2002:a9fe:a9fe::1", "2002:7f00:1::", "::127.0.0.1",
                                     "::10.1.2.3"])
def test_private_addresses_are_refused(address):
    with pytest.raises(CallbackRefused):
        check_address(address, allow_private=False)
    check_address(address, allow_private=True)


@pytest.mark.parametrize("address", ["224.0.0.1", "ff02::1", "0.0.0.0"])
def test_multicast_and_unspecified_addresses_are_refused_even_when_private_ones_are_allowed(
        address):
    with pytest.raises(CallbackRefused):
        check_address(address, allow_private=True)


@pytest.mark.parametrize("address", ["64:ff9b::8.8.8.8", "2002:808:808::1", "2606:4700::1"])
def test_public_addresses_are_called_even_inside_ipv6(address):
    check_address(address, allow_private=False)


def test_a_name_that_resolves_to_loopback_is_refused_before_any_byte_is_sent(callback_server):
    Callback.hits = []
    port = callback_server.rsplit(":", 1)[1]
    with pytest.raises(CallbackRefused, match="loopback"):
        call(f"http://localhost:{port}/named", "GET", {}, timeout=2)
    assert Callback.hits == []


def test_a_redirect_is_not_followed(callback_server):
    Callback.hits = []
    answer = call(f"{callback_server}/redirect", "GET", {}, timeout=2, allow_private=True)
    assert answer.status == 302 and Callback.hits == ["/redirect"]


def test_only_the_start_of_a_long_answer_is_read(callback_server):
    answer = call(f"{callback_server}/long", "GET", {}, timeout=2, allow_private=True)
    assert len(answer.body) == MAX_ANSWER_BYTES


def test_a_callback_that_never_answers_is_cut_off_at_the_deadline(callback_server):
    with pytest.raises((TimeoutError, socket.timeout)):
        call(f"{callback_server}/silent", "GET", {}, timeout=0.5, allow_private=True)


@pytest.fixture
def hub_client(make_client, write_seed, tmp_path):
    """A client of an app with the hub of its own, over one seed in topic Alpha."""
    write_seed("1.md", **article_fields(1, topics=["Alpha"]))

    def make(**config):
        return make_client(WEBSUB_HUB="self", STATE_DIR=str(tmp_path / "state"), **config)

    return make


def subscribe(client, callback: str, topic: str = f"{BASE_URL}/topics/alpha.atom", **form):
    return client.post("/websub", data={"hub.mode": "subscribe", "hub.callback": callback,
                                        "hub.topic": topic, **form})


def test_a_callback_at_a_private_address_is_a_400(hub_client):
    answer = subscribe(hub_client(), "http://127.0.0.1:9/callback")
    assert answer.status_code == 400 and b"loopback" in answer.data


def subscribed_all(client, subscriber: Subscriber, paths: list[str]) -> None:
    """Subscribe each callback path, and wait until each subscription is active."""
    store = client.application.extensions["feeds"].hub.store
    topic = f"{BASE_URL}/topics/alpha.atom"
    for callback in map(subscriber.url, paths):
        assert subscribe(client, callback).status_code == 202
        wait_until(lambda c=callback: store.subscribed(c, topic, time.time()))


def test_subscriptions_of_one_host_are_capped(hub_client):
    client = hub_client(HUB_MAX_PER_HOST=2, HUB_ALLOW_PRIVATE=True)
    subscriber = Subscriber()
    try:
        subscribed_all(client, subscriber, ["/a", "/b"])
        answer = subscribe(client, subscriber.url("/c"))
        assert answer.status_code == 429 and b"127.0.0.1 has 2 subscriptions" in answer.data
        assert subscribe(client, subscriber.url("/a")).status_code == 202  # a renewal
    finally:
        subscriber.close()


def test_subscriptions_in_all_are_capped(hub_client):
    client = hub_client(HUB_MAX_SUBSCRIPTIONS=2, HUB_ALLOW_PRIVATE=True)
    subscriber = Subscriber()
    try:
        subscribed_all(client, subscriber, ["/a", "/b"])
        answer = subscribe(client, "http://callbacks.invalid/")
        assert answer.status_code == 429 and b"as many subscriptions" in answer.data
    finally:
        subscriber.close()


@pytest.mark.parametrize("mode, topic", [("subscribe", "http://elsewhere.invalid/feed"),
                                         ("unsubscribe", f"{BASE_URL}/topics/alpha.atom")])
def test_requests_that_make_no_subscription_are_capped_too(hub_client, callback_server, mode,
                                                          topic):
    # a denial to send, or an unsubscription of nothing, is a row kept and a call made each:
    # a callback that answers slowly keeps them waiting while more come
    client = hub_client(HUB_MAX_PER_HOST=2, HUB_ALLOW_PRIVATE=True)
    answers = [client.post("/websub", data={
        "hub.mode": mode, "hub.callback": f"{callback_server}/silent/{n}", "hub.topic": topic})
        for n in range(6)]
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(429) >= 3, statuses
    assert b"subscriptions and requests" in answers[-1].data


def test_the_many_requests_of_a_slow_host_do_not_hold_up_another_hosts(hub_client):
    slow = ThreadingHTTPServer(("127.0.0.2", 0), Callback)  # another loopback address: a host
    slow.daemon_threads = True
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    client = hub_client(HUB_MAX_PER_HOST=200, HUB_ALLOW_PRIVATE=True)
    store = client.application.extensions["feeds"].hub.store
    subscriber = Subscriber()
    try:
        for n in range(70):  # each call takes 3 s, two at a time for one host
            assert subscribe(client, f"http://127.0.0.2:{slow.server_port}/silent/{n}") \
                .status_code == 202
        assert subscribe(client, subscriber.url()).status_code == 202
        wait_until(lambda: store.subscribed(subscriber.url(), f"{BASE_URL}/topics/alpha.atom",
                                            time.time()), seconds=10)
    finally:
        subscriber.close()
        slow.shutdown()
        slow.server_close()


def test_a_large_request_is_a_413(hub_client):
    answer = subscribe(hub_client(), "http://callbacks.invalid/", padding="x" * 10_000)
    assert answer.status_code == 413


def test_a_request_that_is_not_a_form_is_a_415(hub_client):
    answer = hub_client().post("/websub", json={"hub.mode": "subscribe"})
    assert answer.status_code == 415


def test_without_a_state_folder_there_is_no_hub_of_its_own(make_client, write_seed, caplog):
    write_seed("1.md", **article_fields(1))
    client = make_client(WEBSUB_HUB="self")
    assert client.post("/websub", data={"hub.mode": "publish"}).status_code == 404
    assert b'rel="hub"' not in client.get("/feed.atom").data
    assert "needs FEEDS_STATE_DIR" in caplog.text


@pytest.mark.parametrize("path", ["/feed.atom", "/feed.rss", "/topics/alpha.atom?q=article",
                                  "/feed.rss?digest=weekly", "/feed.atom?since=30d",
                                  "/providers/news.example.com.atom?min_heat=0"])
def test_every_feed_names_the_hub_and_itself_in_body_and_headers(hub_client, path):
    answer = hub_client().get(path)
    self_url = BASE_URL + path
    assert answer.headers["Link"] == f'<{HUB}>; rel="hub", <{self_url}>; rel="self"'
    assert f'href="{HUB}"'.encode() in answer.data and b'rel="hub"' in answer.data


def test_a_json_feed_names_the_hub_in_hubs(hub_client):
    answer = hub_client().get("/feed.json?topics=alpha")
    assert json.loads(answer.data)["hubs"] == [{"type": "WebSub", "url": HUB}]
    assert 'rel="hub"' in answer.headers["Link"]


def test_a_page_past_the_first_names_no_hub(hub_client, write_seed):
    write_seed("2.md", **article_fields(2, topics=["Alpha"]))
    answer = hub_client().get("/feed.atom?limit=1&page=2")
    assert "Link" not in answer.headers and b'rel="hub"' not in answer.data


def test_an_outside_hub_is_named_by_the_standard_feeds_only(make_client, write_seed):
    write_seed("1.md", **article_fields(1))
    client = make_client(WEBSUB_HUB="https://hub.example.net/")
    assert client.get("/feed.atom").headers["Link"].startswith("<https://hub.example.net/>")
    assert "Link" not in client.get("/feed.atom?q=article").headers


def test_another_instance_pointing_at_our_hub_names_it_on_every_feed(make_client, write_seed):
    write_seed("1.md", **article_fields(1))
    client = make_client(WEBSUB_HUB=HUB)
    answer = client.get("/feed.atom?q=article")
    assert f'href="{HUB}"'.encode() in answer.data
    assert answer.headers["Link"].startswith(f"<{HUB}>")


def test_a_digest_topic_is_looked_at_again_when_its_period_ends(write_seed, seeds_dir):
    from datetime import UTC, datetime, timedelta

    from feeds.settings import Settings
    from feeds.view.corpus import Corpus
    from feeds.web.topics import read_topic, render_topic

    now = datetime.now(UTC)
    write_seed("1.md", **article_fields(1, publishedDateTime=now.isoformat()))
    snapshot = Corpus(seeds_dir, reload_seconds=0).snapshot()
    settings = Settings.of({"BASE_URL": BASE_URL, "WEBSUB_HUB": "self"})
    topic = read_topic(f"{BASE_URL}/feed.atom?digest=daily", snapshot, settings)
    rendered = render_topic(topic, snapshot, settings, now)
    midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    assert rendered is not None and rendered.changes_at == midnight
    after = render_topic(topic, snapshot, settings, midnight)
    assert after is not None and after.entries - rendered.entries  # the day's digest entered


def test_a_topic_takes_no_limit_its_get_refuses(write_seed, seeds_dir):
    from feeds.settings import Settings
    from feeds.view.corpus import Corpus
    from feeds.web.topics import NotATopic, read_topic

    write_seed("1.md", **article_fields(1))
    snapshot = Corpus(seeds_dir, reload_seconds=0).snapshot()
    settings = Settings.of({"BASE_URL": BASE_URL, "WEBSUB_HUB": "self"})
    assert read_topic(f"{BASE_URL}/feed.atom?digest=weekly&top=50&limit=10", snapshot,
                      settings).limit == 10
    with pytest.raises(NotATopic, match="from 1 to 10"):  # as GET: 10 periods of 50 at most
        read_topic(f"{BASE_URL}/feed.atom?digest=weekly&top=50&limit=11", snapshot, settings)


def test_a_state_folder_others_may_write_stops_the_start(seeds_dir, tmp_path):
    from feeds import create_app

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(ValueError, match="FEEDS_STATE_DIR: others may write"):
        create_app({"SEEDS_DIR": str(seeds_dir), "BASE_URL": BASE_URL, "WEBSUB_HUB": "self",
                    "STATE_DIR": str(shared)})

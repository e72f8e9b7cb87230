"""The hub of its own (WEBSUB_HUB=self), over the real production server and real subscribers
on loopback: subscription, verification, denial, leases, content distribution byte for byte
with its signature, retries, filtered feeds, and nothing unpublished ever pushed."""

import hashlib
import hmac
import itertools
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import BASE_URL, article_fields, seed_text
from servers import fetch, serve, serve_process
from subscriber import Subscriber, hub_request, wait_until

pytestmark = pytest.mark.server
RELOAD = 0.3
_numbers = itertools.count(1)


def hub_env(seeds, state, **extra: str) -> dict[str, str]:
    """The server's environment: the hub of its own, calling back to loopback."""
    return {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": str(RELOAD),
            "FEEDS_WEBSUB_HUB": "self", "FEEDS_BASE_URL": BASE_URL,
            "FEEDS_STATE_DIR": str(state), "FEEDS_HUB_ALLOW_PRIVATE": "1",
            "FEEDS_HUB_MIN_LEASE_SECONDS": "1", "FEEDS_HUB_RETRY_SECONDS": "20", **extra}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(base URL, seeds folder, state folder) of 2 workers with the hub of its own."""
    root = tmp_path_factory.mktemp("hub")
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "first.md").write_text(seed_text(**article_fields(1, topics=["First"])))
    with serve(hub_env(seeds, root / "state"), workers=2) as base:
        yield base, seeds, root / "state"


@pytest.fixture
def subscriber():
    made: list[Subscriber] = []

    def make(**behaviour) -> Subscriber:
        made.append(Subscriber(**behaviour))
        return made[-1]

    yield make
    for one in made:
        one.close()


def add(seeds, topic: str, **overrides) -> str:
    """Write a new published seed in topic; its article URL."""
    number = next(_numbers)
    url = f"https://news.example.com/hub/{number}"
    fields = article_fields(1, topics=[topic], originalUrl=url, title=f"Hub article {number}",
                            publishedDateTime=f"2025-02-01T{number % 24:02d}:00:00Z")
    (seeds / f"hub-{number}.md").write_text(seed_text(**{**fields, **overrides}))
    return url


def shown(base: str, path: str, text: str) -> bool:
    """Whether a GET of path now shows text."""
    return text.encode() in fetch(base + path)[2]


def subscribed(live, subscriber: Subscriber, topic: str, path: str, showing: str = "",
               **params: str) -> None:
    """Make topic exist (or wait until path is showing that), subscribe to path, and wait
    until the hub has noted what it shows."""
    base, seeds, state = live
    request(live, subscriber, topic, path, showing, **params)
    wait_until(lambda: subscriber.verifications(), what="the verification")
    with sqlite3.connect(state / "websub.sqlite3") as database:
        wait_until(lambda: database.execute(
            "SELECT 1 FROM subscriptions s JOIN topics t ON t.topic = s.topic "
            "WHERE s.callback = ?", (subscriber.url(),)).fetchall(), what="the subscription")


def request(live, subscriber: Subscriber, topic: str, path: str, showing: str = "",
            **params: str) -> None:
    """Make topic exist (or wait until path is showing that), and ask the hub for a
    subscription to path."""
    base, seeds, _ = live
    url = showing or add(seeds, topic)
    wait_until(lambda: shown(base, path, url), what="the topic's feed")
    status, text = hub_request(f"{base}/websub", hub_mode="subscribe",
                               hub_callback=subscriber.url(), hub_topic=BASE_URL + path, **params)
    assert status == 202, text


def pushed(subscriber: Subscriber, text: str) -> bool:
    """Whether a delivery carried text."""
    return any(text.encode() in call.body for call in subscriber.deliveries())


def test_a_subscription_is_verified_with_a_challenge_and_the_default_lease(live, subscriber):
    base, seeds, _ = live
    callback = subscriber()
    subscribed(live, callback, "Verified", "/topics/verified.atom")
    check = callback.verifications()[0].params
    assert check["hub.topic"] == f"{BASE_URL}/topics/verified.atom"
    assert len(check["hub.challenge"]) >= 32
    assert check["hub.lease_seconds"] == "864000"


def test_a_new_article_is_pushed_as_a_get_returns_it_signed_with_the_secret(live, subscriber):
    base, seeds, _ = live
    callback = subscriber()
    subscribed(live, callback, "Pushed", "/topics/pushed.atom", hub_secret="s3cret")
    url = add(seeds, "Pushed")
    wait_until(lambda: pushed(callback, url), what="the delivery")
    delivery = callback.deliveries()[-1]
    assert delivery.body == fetch(f"{base}/topics/pushed.atom")[2]
    assert delivery.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert delivery.headers["Link"] == (f'<{BASE_URL}/websub>; rel="hub", '
                                        f'<{BASE_URL}/topics/pushed.atom>; rel="self"')
    expected = hmac.new(b"s3cret", delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["X-Hub-Signature"] == f"sha256={expected}"


def test_a_callback_that_does_not_echo_the_challenge_gets_nothing(live, subscriber):
    base, seeds, _ = live
    callback = subscriber(confirm=False)
    request(live, callback, "Unconfirmed", "/topics/unconfirmed.rss")
    wait_until(lambda: callback.verifications())
    watcher = subscriber()
    subscribed(live, watcher, "Unconfirmed", "/topics/unconfirmed.rss")
    url = add(seeds, "Unconfirmed")
    wait_until(lambda: pushed(watcher, url))
    assert not pushed(callback, url)


@pytest.mark.parametrize("topic, reason", [
    ("https://elsewhere.example/feed.atom", "is not a feed of"),
    (f"{BASE_URL}/feed.atom?page=2", "page past the first"),
    (f"{BASE_URL}/topics/no-such-topic.atom", "there is no feed"),
    (f"{BASE_URL}/topics/first", "must be a feed"),
])
def test_a_topic_that_is_not_ours_is_denied_at_the_callback(live, subscriber, topic, reason):
    base, _, _ = live
    callback = subscriber()
    status, _ = hub_request(f"{base}/websub", hub_mode="subscribe", hub_callback=callback.url(),
                            hub_topic=topic)
    assert status == 202
    wait_until(lambda: callback.verifications("denied"))
    denial = callback.verifications("denied")[0].params
    assert denial["hub.topic"] == topic and reason in denial["hub.reason"]
    assert callback.verifications() == []


def test_a_spelling_of_a_query_is_subscribed_under_its_canonical_topic(live, subscriber):
    base, seeds, _ = live
    callback = subscriber()
    subscribed(live, callback, "Spelled", "/feed.json?utm_source=x&topics=SPELLED&limit=5")
    assert callback.verifications()[0].params["hub.topic"] == \
        f"{BASE_URL}/feed.json?topics=spelled&limit=5"


def test_a_filtered_feed_is_pushed_only_when_its_query_changes(live, subscriber):
    base, seeds, _ = live
    red, blue = subscriber(), subscriber()
    subscribed(live, red, "Red", "/feed.atom?topics=red")
    subscribed(live, blue, "Blue", "/feed.atom?topics=blue&q=hub")
    red_url = add(seeds, "Red")
    wait_until(lambda: pushed(red, red_url))
    assert blue.deliveries() == []
    blue_url = add(seeds, "Blue")
    wait_until(lambda: pushed(blue, blue_url))
    assert len(red.deliveries()) == 1
    assert blue.deliveries()[0].body == fetch(f"{base}/feed.atom?topics=blue&q=hub")[2]


def test_an_unsubscription_is_verified_and_ends_the_deliveries(live, subscriber):
    base, seeds, _ = live
    callback, watcher = subscriber(), subscriber()
    subscribed(live, callback, "Leaving", "/topics/leaving.json")
    subscribed(live, watcher, "Leaving", "/topics/leaving.json")
    status, _ = hub_request(f"{base}/websub", hub_mode="unsubscribe", hub_callback=callback.url(),
                            hub_topic=f"{BASE_URL}/topics/leaving.json")
    assert status == 202
    wait_until(lambda: callback.verifications("unsubscribe"))
    url = add(seeds, "Leaving")
    wait_until(lambda: pushed(watcher, url))
    assert not pushed(callback, url)


def test_a_lease_runs_out(live, subscriber):
    base, seeds, _ = live
    callback, watcher = subscriber(), subscriber()
    subscribed(live, callback, "Leased", "/topics/leased.atom", hub_lease_seconds="1")
    assert callback.verifications()[0].params["hub.lease_seconds"] == "1"
    subscribed(live, watcher, "Leased", "/topics/leased.atom")
    time.sleep(1.5)  # the lease of a second has run out
    url = add(seeds, "Leased")
    wait_until(lambda: pushed(watcher, url))
    assert not pushed(callback, url)


def test_a_lease_longer_than_the_most_is_cut_to_it(live, subscriber):
    base, seeds, _ = live
    callback = subscriber()
    subscribed(live, callback, "Long", "/topics/long.atom", hub_lease_seconds="99999999")
    assert callback.verifications()[0].params["hub.lease_seconds"] == "2592000"


def test_a_failing_callback_is_retried_and_never_sent_a_withdrawn_article(live, subscriber):
    base, seeds, _ = live
    callback = subscriber(fail_posts=2)
    subscribed(live, callback, "Withdrawn", "/topics/withdrawn.atom")
    kept = add(seeds, "Withdrawn")
    wait_until(lambda: callback.failed_posts >= 1, what="a first, failing delivery")
    number = next(_numbers)
    gone = f"https://news.example.com/hub/gone-{number}"
    (seeds / f"gone-{number}.md").write_text(seed_text(**article_fields(
        1, topics=["Withdrawn"], originalUrl=gone, published=False)))
    wait_until(lambda: callback.deliveries(), seconds=15, what="the retry")
    assert callback.failed_posts == 2
    body = callback.deliveries()[-1].body
    assert kept.encode() in body and gone.encode() not in body


def test_an_embargoed_article_is_pushed_only_once_its_moment_passes(live, subscriber):
    base, seeds, _ = live
    callback = subscriber()
    subscribed(live, callback, "Embargo", "/topics/embargo.atom")
    moment = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0)
    url = add(seeds, "Embargo", publishedDateTime=moment.isoformat(timespec="seconds"))
    time.sleep(5 * RELOAD)  # every worker has read it, and not shown it
    assert not shown(base, "/topics/embargo.atom", url) and not pushed(callback, url)
    wait_until(lambda: pushed(callback, url), seconds=15)
    assert datetime.now(UTC) >= moment


def test_a_slow_callback_delays_no_other(live, subscriber):
    base, seeds, _ = live
    slow, fast = subscriber(slow_seconds=3), subscriber()
    subscribed(live, slow, "Slow", "/topics/slow.atom")
    subscribed(live, fast, "Slow", "/topics/slow.atom")
    url = add(seeds, "Slow")
    wait_until(lambda: pushed(fast, url))
    wait_until(lambda: pushed(slow, url))
    assert fast.deliveries()[0].at < slow.deliveries()[0].at - 1


@pytest.mark.parametrize("params, says", [
    ({}, "hub.mode must be"),
    ({"hub_mode": "watch"}, "hub.mode must be"),
    ({"hub_mode": "subscribe", "hub_topic": f"{BASE_URL}/feed.atom"}, "hub.callback and"),
    ({"hub_mode": "subscribe", "hub_callback": "ftp://example.com/",
      "hub_topic": f"{BASE_URL}/feed.atom"}, "http or https"),
    ({"hub_mode": "subscribe", "hub_callback": "http://me:pw@example.com/",
      "hub_topic": f"{BASE_URL}/feed.atom"}, "user name"),
    ({"hub_mode": "subscribe", "hub_callback": "http://example.com/",
      "hub_topic": f"{BASE_URL}/feed.atom", "hub_lease_seconds": "soon"}, "whole number"),
    ({"hub_mode": "subscribe", "hub_callback": "http://example.com/",
      "hub_topic": f"{BASE_URL}/feed.atom", "hub_secret": "x" * 200}, "at most 199 bytes"),
    ({"hub_mode": "publish"}, "names 1 to"),
    ({"hub_mode": "publish", "hub_url": "https://elsewhere.example/feed.rss"}, "feeds of"),
])
def test_a_bad_request_is_a_400_that_says_why(live, params, says):
    status, text = hub_request(f"{live[0]}/websub", **params)
    assert status == 400 and says in text


def test_another_instance_may_ping_the_hub(live):
    status, _ = hub_request(f"{live[0]}/websub", hub_mode="publish",
                            hub_url=f"{BASE_URL}/feed.atom")
    assert status == 204


def test_a_delivery_pending_across_a_restart_is_made(tmp_path, subscriber):
    seeds, state = tmp_path / "seeds", tmp_path / "state"
    seeds.mkdir()
    callback = subscriber(fail_posts=1000)
    env = hub_env(seeds, state, FEEDS_HUB_RETRY_SECONDS="600")
    with serve(env) as base:
        subscribed((base, seeds, state), callback, "Restart", "/topics/restart.atom")
        url = add(seeds, "Restart")
        wait_until(lambda: callback.failed_posts >= 1, what="a failing delivery")
    callback.fail_posts = 0
    with serve(env) as base:
        wait_until(lambda: pushed(callback, url), seconds=15)
        assert callback.deliveries()[-1].body == fetch(f"{base}/topics/restart.atom")[2]


def test_instances_sharing_a_state_folder_push_each_change_once(tmp_path, subscriber):
    seeds, state = tmp_path / "seeds", tmp_path / "state"
    seeds.mkdir()
    callback = subscriber()
    env = hub_env(seeds, state)
    with serve(env, workers=2) as base, serve(env, workers=2) as other:
        subscribed((base, seeds, state), callback, "Once", "/topics/once.atom")
        wait_until(lambda: shown(other, "/topics/once.atom", "Hub article"))
        url = add(seeds, "Once")
        wait_until(lambda: pushed(callback, url))
        time.sleep(4 * RELOAD + 1)  # every worker of both has reloaded: more would be in
        assert len(callback.deliveries()) == 1


def test_a_since_feed_is_pushed_when_an_item_enters_not_when_one_leaves(live, subscriber):
    base, seeds, _ = live
    callback = subscriber()
    moment = datetime.now(UTC) - timedelta(hours=1) + timedelta(seconds=12)
    leaving = add(seeds, "Window", publishedDateTime=moment.isoformat(timespec="seconds"))
    subscribed(live, callback, "Window", "/topics/window.atom?since=1h", showing=leaving)
    wait_until(lambda: not shown(base, "/topics/window.atom?since=1h", leaving), seconds=25,
               what="the item to leave the window")
    time.sleep(1)  # the hub looked when the window moved on
    assert callback.deliveries() == []
    entering = add(seeds, "Window",
                   publishedDateTime=datetime.now(UTC).isoformat(timespec="seconds"))
    wait_until(lambda: pushed(callback, entering))
    assert not pushed(callback, leaving)


def test_a_ping_from_another_instance_makes_the_hub_read_its_seeds_at_once(tmp_path):
    seeds, state = tmp_path / "seeds", tmp_path / "state"
    seeds.mkdir()
    (seeds / "first.md").write_text(seed_text(**article_fields(1, topics=["First"])))
    # Without file events (which would show it at once), nothing reads it for 600 s.
    with serve(hub_env(seeds, state, FEEDS_RELOAD_SECONDS="600", FEEDS_WATCH="off")) as base:
        url = add(seeds, "Pinged")
        time.sleep(1)
        assert fetch(f"{base}/topics/pinged.atom")[0] == 404  # not read: no reload for 600 s
        status, _ = hub_request(f"{base}/websub", hub_mode="publish",
                                hub_url=f"{BASE_URL}/feed.atom")
        assert status == 204
        wait_until(lambda: shown(base, "/topics/pinged.atom", url), what="the hub to read")


def test_a_delivery_that_keeps_failing_is_dropped_and_logged(tmp_path, subscriber):
    seeds, state, log = tmp_path / "seeds", tmp_path / "state", tmp_path / "server.log"
    seeds.mkdir()
    callback = subscriber(fail_posts=1000)
    env = hub_env(seeds, state, FEEDS_HUB_RETRY_SECONDS="2")
    with serve_process(env, output=log) as (base, _):
        subscribed((base, seeds, state), callback, "Dropped", "/topics/dropped.atom")
        add(seeds, "Dropped")
        wait_until(lambda: "dropped after 2 attempts" in log.read_text(), what="the drop")
        tries = callback.failed_posts
        time.sleep(3)
        assert callback.failed_posts == tries == 2
    with sqlite3.connect(state / "websub.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM deliveries").fetchone() == (0,)


def test_a_feed_new_to_this_worker_is_subscribed_to_not_denied(tmp_path, subscriber):
    seeds, state = tmp_path / "seeds", tmp_path / "state"
    seeds.mkdir()
    (seeds / "first.md").write_text(seed_text(**article_fields(1, topics=["First"])))
    callback = subscriber()
    with serve(hub_env(seeds, state, FEEDS_RELOAD_SECONDS="600")) as base:
        add(seeds, "Brand New")  # another worker may show it already; this one has not scanned
        status, _ = hub_request(f"{base}/websub", hub_mode="subscribe",
                                hub_callback=callback.url(),
                                hub_topic=f"{BASE_URL}/topics/brand-new.atom")
        assert status == 202
        wait_until(lambda: callback.verifications(), what="the verification")
        assert callback.verifications("denied") == []

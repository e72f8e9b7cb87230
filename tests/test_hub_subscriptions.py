"""The hub of its own (WEBSUB_HUB=self) on one real production server, with real subscribers
on loopback: subscription, verification, denial, leases, content distribution byte for
byte with its signature, retries, filtered feeds, and nothing unpublished ever pushed."""

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import BASE_URL, article_fields, seed_text
from own_hub import RELOAD, _numbers, add, hub_env, pushed, request, shown, subscribed
from servers import fetch, serve
from subscriber import hub_request, wait_until

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(base URL, seeds folder, state folder) of 2 workers with the hub of its own."""
    root = tmp_path_factory.mktemp("hub")
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "first.md").write_text(seed_text(**article_fields(1, topics=["First"])))
    with serve(hub_env(seeds, root / "state"), workers=2) as base:
        yield base, seeds, root / "state"


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

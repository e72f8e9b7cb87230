"""The hub of its own, live: the environment of a server that runs it, seeds written for it,
subscriptions made and deliveries waited for."""

import itertools
import sqlite3

from conftest import BASE_URL, article_fields, seed_text
from servers import fetch
from subscriber import Subscriber, hub_request, wait_until

RELOAD = 0.3
_numbers = itertools.count(1)


def hub_env(seeds, state, **extra: str) -> dict[str, str]:
    """The server's environment: the hub of its own, calling back to loopback."""
    return {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": str(RELOAD),
            "FEEDS_WEBSUB_HUB": "self", "FEEDS_BASE_URL": BASE_URL,
            "FEEDS_STATE_DIR": str(state), "FEEDS_HUB_ALLOW_PRIVATE": "1",
            "FEEDS_HUB_MIN_LEASE_SECONDS": "1", "FEEDS_HUB_RETRY_SECONDS": "20", **extra}


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

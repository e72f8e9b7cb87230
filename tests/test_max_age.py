"""max-age: MAX_AGE, cut to the whole seconds left before the clock alone changes an answer (an
embargo ending in its section, a `since` window moving on) and never below 0; the same from
Flask and from the fast path."""

import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import article_fields
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feeds import create_app

EMBARGOED = ["/feed.rss", "/feed.json", "/topics/power-apps.atom",
             "/providers/news.example.com.rss", "/topics/power-apps", "/"]
ELSEWHERE = ["/topics/other.rss", "/providers/other.example.atom", "/topics/other"]


def max_age(response: TestResponse) -> int:
    """The max-age of a response, read from its Cache-Control as sent."""
    found = re.fullmatch(r"public, max-age=(-?\d+)", response.headers["Cache-Control"])
    assert found is not None, response.headers["Cache-Control"]
    return int(found[1])


def fast_app(seeds_dir: Path) -> Flask:
    """An app over seeds_dir with the fast path in front and no rescan during a test."""
    return create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "RELOAD_SECONDS": 3600})


def stamp(moment: datetime) -> str:
    """A publishedDateTime, to the microsecond."""
    return moment.isoformat(timespec="microseconds")


def whole_seconds_left(client: FlaskClient, path: str, until: datetime) -> tuple[int, range]:
    """The max-age of a GET, and the whole seconds that were left until `until` while it was
    answered (floor at the answer's end to floor at its start)."""
    before = datetime.now(UTC)
    response = client.get(path)
    after = datetime.now(UTC)
    assert response.status_code == 200, path
    return max_age(response), range(math.floor((until - after).total_seconds()),
                                    math.floor((until - before).total_seconds()) + 1)


@pytest.fixture
def embargo_ends(seeds_dir: Path, write_seed: Callable[..., Path]) -> datetime:
    """An article published now, another (in the same topic and provider) under an embargo
    that ends in 100.9 s, and one elsewhere: when the embargo ends."""
    ends = datetime.now(UTC) + timedelta(seconds=100.9)
    write_seed("1.md", **article_fields(1))
    write_seed("2.md", **article_fields(2, title="Embargoed", publishedDateTime=stamp(ends)))
    write_seed("3.md", **article_fields(3, topics=["Other"], provider={
        "name": "Other", "domain": "other.example"}, originalUrl="https://other.example/3"))
    return ends


@pytest.mark.parametrize("path", EMBARGOED)
def test_max_age_is_the_whole_seconds_left_until_an_embargo_in_its_section_ends(
        seeds_dir: Path, embargo_ends: datetime, path: str) -> None:
    """Rounded down, never up: no cache holds the answer past the embargo's end."""
    client = fast_app(seeds_dir).test_client()
    for _ in range(3):  # the first answer from Flask, the repeats from the fast path
        sent, left = whole_seconds_left(client, path, embargo_ends)
        assert sent in left and 99 <= sent <= 100


@pytest.mark.parametrize("path", ELSEWHERE)
def test_an_embargo_does_not_shorten_the_answers_of_other_sections(
        seeds_dir: Path, embargo_ends: datetime, path: str) -> None:
    """A topic or provider the embargoed article is not in keeps MAX_AGE (and gives nothing
    of the embargo away)."""
    client = fast_app(seeds_dir).test_client()
    for _ in range(3):
        assert max_age(client.get(path)) == 300


@pytest.mark.parametrize("path", ["/feed.rss?since=1h", "/feed.json?since=1h&sort=heat",
                                  "/?since=1h", "/topics/power-apps.atom?since=1h"])
def test_max_age_is_the_whole_seconds_left_until_a_since_window_moves_on(
        seeds_dir: Path, write_seed: Callable[..., Path], path: str) -> None:
    """The oldest article of the window leaves it in 100.9 s: max-age counts down to that."""
    leaves = datetime.now(UTC) + timedelta(seconds=100.9)
    write_seed("1.md", **article_fields(1, publishedDateTime=stamp(
        leaves - timedelta(hours=1))))
    write_seed("2.md", **article_fields(2, publishedDateTime=stamp(
        datetime.now(UTC) - timedelta(minutes=5))))
    client = fast_app(seeds_dir).test_client()
    for _ in range(3):
        sent, left = whole_seconds_left(client, path, leaves)
        assert sent in left and 99 <= sent <= 100


@pytest.mark.parametrize(("embargo", "window"), [(200.9, 100.9), (50.9, 100.9)])
def test_the_sooner_of_an_embargo_and_a_since_window_bounds_max_age(
        seeds_dir: Path, write_seed: Callable[..., Path], embargo: float,
        window: float) -> None:
    """Whichever changes the answer first: the embargo ending or the window moving on."""
    now = datetime.now(UTC)
    write_seed("1.md", **article_fields(1, publishedDateTime=stamp(
        now + timedelta(seconds=window) - timedelta(hours=1))))
    write_seed("2.md", **article_fields(2, publishedDateTime=stamp(
        now + timedelta(seconds=embargo))))
    client = fast_app(seeds_dir).test_client()
    sooner = now + timedelta(seconds=min(embargo, window))
    for _ in range(3):
        sent, left = whole_seconds_left(client, "/feed.rss?since=1h", sooner)
        assert sent in left and sent >= min(embargo, window) - 2


def test_max_age_is_0_not_negative_while_an_ended_embargo_waits_to_be_published(
        seeds_dir: Path, write_seed: Callable[..., Path]) -> None:
    """The watcher publishes one ended embargo, then waits RELOAD_SECONDS before the next:
    until then, answers of that section, a second and more past its end, say max-age=0."""
    now = datetime.now(UTC)
    write_seed("1.md", **article_fields(1))
    write_seed("2.md", **article_fields(2, title="First out", publishedDateTime=stamp(
        now + timedelta(seconds=0.4))))
    write_seed("3.md", **article_fields(3, title="Second out", publishedDateTime=stamp(
        now + timedelta(seconds=1.4))))
    client = fast_app(seeds_dir).test_client()
    assert b"First out" not in client.get("/feed.rss").data  # and the watcher runs
    time.sleep(max(0.0, (now + timedelta(seconds=2.5) - datetime.now(UTC)).total_seconds()))
    for _ in range(3):  # from Flask, then from the fast path
        response = client.get("/feed.rss")
        assert b"First out" in response.data and b"Second out" not in response.data
        assert max_age(response) == 0

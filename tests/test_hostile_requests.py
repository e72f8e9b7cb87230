"""Hostile requests to the production server (`flask --app wsgi serve`): each is a 4xx that
says what is accepted, never a 500."""

import json
import os
import pwd
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import BASE_URL, SITE
from servers import fetch, serve

from feeds import create_app
from feeds.web.observe import MAX_TEXT
from feeds.web.salt import SHARED_MEMORY, Salts

pytestmark = pytest.mark.server
TOKEN = "a-long-random-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    state.chmod(0o700)
    env = {"FEEDS_SEEDS_DIR": str(SITE), "FEEDS_STATE_DIR": str(state),
           "FEEDS_STATS_TOKEN": TOKEN, "FEEDS_WEBSUB_HUB": "self", "FEEDS_BASE_URL": BASE_URL}
    with serve(env) as base:
        yield base


@pytest.mark.parametrize("path", ["/stats", "/stats.json", "/stats.csv"])
@pytest.mark.parametrize("days", ["%C2%B2", "%E2%91%A0", "%EF%BC%93"])  # ², ①, fullwidth 3
def test_days_in_digits_other_than_ascii_are_a_400(server, path, days):
    status, _, body = fetch(f"{server}{path}?days={days}",
                            {"Authorization": f"Bearer {TOKEN}"})
    assert status == 400 and b"whole number from 1 to 366" in body


def test_a_queued_request_holds_at_most_max_text_of_each_header(state_dir):
    # while the observer's thread is held up (a locked store), up to MAX_PENDING requests
    # wait: each must not keep the tens of kilobytes a client may send in a header
    app = create_app({"TESTING": True, "SEEDS_DIR": str(SITE), "STATE_DIR": str(state_dir)})
    recorder = app.extensions["feeds.recorder"]
    recorder._running = True  # no thread drains the queue: what waits can be looked at
    huge = "x" * 60_000
    app.test_client().get(f"/feed.rss?{huge}", headers={"User-Agent": huge, "Referer": huge})
    app.test_client().open(f"/{huge}", method="X" * 60_000)
    assert len(recorder._pending) == 2
    for event in recorder._pending:
        assert all(len(field) <= MAX_TEXT for field in event if isinstance(field, str))


def post(url: str, form: list[tuple[str, str]]) -> tuple[int, bytes]:
    """POST form to url: (status, body), with no exception for 4xx and 5xx."""
    request = urllib.request.Request(url, urllib.parse.urlencode(form).encode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


@pytest.mark.parametrize("form, status", [
    ([("hub.mode", "subscribe"), ("hub.topic", "http://[::1/feed.rss"),
      ("hub.callback", "http://callbacks.invalid/a")], 202),  # denied at the callback
    ([("hub.mode", "unsubscribe"), ("hub.topic", f"{BASE_URL[:8]}[{BASE_URL[8:]}/feed.rss"),
      ("hub.callback", "http://callbacks.invalid/b")], 202),
    ([("hub.mode", "publish"), ("hub.url", "http://[::1/feed.rss")], 400),
])
def test_a_topic_or_url_with_an_unclosed_bracket_is_no_500(server, form, status):
    answer, body = post(f"{server}/websub", form)
    assert answer == status, body


def test_a_file_another_user_planted_beside_the_salts_stops_no_counting():
    # /dev/shm is everyone's: a local user may plant a file named like an old day's salt
    nobody = pwd.getpwnam("nobody").pw_uid
    folder = Path(tempfile.mkdtemp(prefix="seed-feeds-nobody-"))  # pytest's are 0700
    folder.chmod(0o755)
    state = folder / "state"
    state.mkdir(mode=0o700)
    shutil.chown(state, "nobody")
    prefix = Salts(state).prefix.replace(f"-{os.geteuid()}-", f"-{nobody}-", 1)
    planted = SHARED_MEMORY / f"{prefix}2000-01-01"
    planted.write_bytes(b"x" * 32)  # root's: nobody may not remove it
    env = {"FEEDS_SEEDS_DIR": str(SITE), "FEEDS_STATE_DIR": str(state),
           "FEEDS_STATS_TOKEN": TOKEN}
    try:
        with serve(env, user="nobody") as base:
            assert fetch(f"{base}/feed.rss", {"User-Agent": "Newsboat/2.36"})[0] == 200
            deadline = time.monotonic() + 20
            while True:
                _, _, body = fetch(f"{base}/stats.json", {"Authorization": f"Bearer {TOKEN}"})
                readers = json.loads(body)["days"][-1]["subscribers"]
                if readers or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert readers == 1
    finally:
        planted.unlink()
        for salt in SHARED_MEMORY.glob(f"{prefix}*"):
            salt.unlink(missing_ok=True)
        shutil.rmtree(folder)

"""Hostile requests to the production server (`flask --app wsgi serve`): each is a 4xx that
says what is accepted, never a 500."""

import pytest
from conftest import SITE
from servers import fetch, serve

from feeds import create_app
from feeds.web.observe import MAX_TEXT

TOKEN = "a-long-random-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    state.chmod(0o700)
    env = {"FEEDS_SEEDS_DIR": str(SITE), "FEEDS_STATE_DIR": str(state),
           "FEEDS_STATS_TOKEN": TOKEN}
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

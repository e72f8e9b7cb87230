"""Hostile requests to the production server (`flask --app wsgi serve`): each is a 4xx that
says what is accepted, never a 500."""

import pytest
from conftest import SITE
from servers import fetch, serve

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

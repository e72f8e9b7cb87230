"""/stats and /metrics: off without STATS_TOKEN, refused without the token or an allowed
address, shown with either; the page, its JSON and CSV, and the Prometheus text."""

import csv
import io
import subprocess
import sys
import time
from typing import Any

import pytest
from conftest import REPO, SITE

from feeds import create_app

TOKEN = "a-long-random-token"
PATHS = ["/stats", "/stats.json", "/stats.csv", "/metrics"]
NEWSBOAT = "Newsboat/2.36 (Linux x86_64)"


def make(state_dir, **config):
    return create_app({"TESTING": True, "SEEDS_DIR": str(SITE), "STATE_DIR": str(state_dir),
                       **config}).test_client()


@pytest.mark.parametrize("path", PATHS)
def test_stats_and_metrics_are_off_without_a_token(state_dir, path):
    response = make(state_dir).get(path, headers={"Authorization": "Bearer "})
    assert response.status_code == 404 and b"FEEDS_STATS_TOKEN" in response.data


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer",
                                           f"Bearer {TOKEN}x"])
def test_stats_and_metrics_are_refused_without_the_token(state_dir, path, authorization):
    client = make(state_dir, STATS_TOKEN=TOKEN, STATS_ALLOW="10.0.0.0/8")
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"subscribers" not in response.data.lower()


@pytest.mark.parametrize("path", PATHS)
def test_stats_and_metrics_are_shown_with_the_token(state_dir, path):
    response = make(state_dir, STATS_TOKEN=TOKEN).get(
        path, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("allow", ["127.0.0.1", "127.0.0.0/8, ::1", "::1,127.0.0.1/32"])
def test_stats_and_metrics_are_shown_to_an_allowed_address(state_dir, allow):
    client = make(state_dir, STATS_TOKEN=TOKEN, STATS_ALLOW=allow)
    for path in PATHS:
        assert client.get(path).status_code == 200, path
    assert client.get("/stats", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 401


def test_a_bad_allow_list_fails_at_start():
    with pytest.raises(ValueError, match="FEEDS_STATS_ALLOW"):
        create_app({"STATS_ALLOW": "127.0.0.1, not-an-address"})


def test_the_stats_show_what_was_polled_as_page_json_and_csv(state_dir):
    client = make(state_dir, STATS_TOKEN=TOKEN, STATS_ALLOW="127.0.0.1")
    for fmt in ("rss", "atom"):
        assert client.get(f"/topics/astronomy.{fmt}", headers={"User-Agent": NEWSBOAT}
                          ).status_code == 200
    data = wait_for_readers(client, 1)
    assert data["feeds"] == [{"feed": "/topics/astronomy", "subscribers": 1, "reported": 0,
                              "readers": 1, "formats": {"atom": 1, "rss": 1}}]
    assert data["services"] == [{"service": "Newsboat", "reported": 0, "readers": 1}]
    assert data["days"][-1]["subscribers"] == 1 and len(data["days"]) == 30
    rows = list(csv.DictReader(io.StringIO(client.get("/stats.csv").text)))
    assert {(row["feed"], row["format"], row["readers"]) for row in rows} == {
        ("/topics/astronomy", "rss", "1"), ("/topics/astronomy", "atom", "1"),
        ("/topics/astronomy", "*", "1"), ("*", "*", "1")}
    page = client.get("/stats?days=7").text
    assert "<svg" in page and "<script" not in page and "/topics/astronomy" in page
    assert client.get("/stats?days=0").status_code == 400
    assert client.get("/stats?days=\u00b2").status_code == 400  # a digit int() cannot read


def test_metrics_count_requests_304s_seeds_cache_and_subscribers(state_dir):
    client = make(state_dir, STATS_TOKEN=TOKEN, STATS_ALLOW="127.0.0.1")
    etag = client.get("/feed.rss", headers={"User-Agent": NEWSBOAT}).headers["ETag"]
    client.get("/feed.rss", headers={"If-None-Match": etag, "User-Agent": NEWSBOAT})
    client.get("/topics/nothing.rss")
    wait_for_readers(client, 1)
    text = client.get("/metrics").text
    for line in ['feeds_requests_total{format="rss",route="feed",status="200"} 1.0',
                 'feeds_requests_total{format="rss",route="feed",status="304"} 1.0',
                 'feeds_requests_total{format="",route="other",status="404"} 1.0',
                 'feeds_not_modified_total{format="rss",route="feed"} 1.0',
                 'feeds_seeds{state="read"} 54.0', 'feeds_seeds{state="invalid"} 0.0',
                 'feeds_subscribers{source="readers"} 1.0', "feeds_document_cache_entries 1.0",
                 'feeds_render_seconds_count{route="feed"} 1.0', "feeds_reload_seconds_count"]:
        assert line in text, line
    assert "feeds_view_age_seconds" in text and "feeds_document_cache_bytes" in text


def wait_for_readers(client, readers: int, seconds: float = 20) -> dict[str, Any]:
    """/stats.json once the counts have reached the store (a background thread writes them)."""
    deadline = time.monotonic() + seconds
    while True:
        data = client.get("/stats.json").get_json()
        if data["days"][-1]["subscribers"] >= readers or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


def test_building_the_app_does_not_import_the_metrics_client():
    """prometheus-client picks one process or many when first imported: that must happen in
    the workers, after `serve` has set PROMETHEUS_MULTIPROC_DIR."""
    code = "import sys, wsgi; print('prometheus_client' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=True, env={"FEEDS_STATS_TOKEN": "x",
                                                        "FEEDS_SEEDS_DIR": str(SITE)})
    assert result.stdout.strip() == "False"


def test_a_state_dir_others_may_write_is_not_used_and_breaks_nothing(state_dir):
    state_dir.mkdir()
    state_dir.chmod(0o777)
    client = make(state_dir, STATS_TOKEN=TOKEN, STATS_ALLOW="127.0.0.1")
    assert client.get("/feed.rss", headers={"User-Agent": NEWSBOAT}).status_code == 200
    page = client.get("/stats")
    assert page.status_code == 200 and "Counting is off" in page.text
    assert client.get("/stats.json").get_json()["counts"] == []
    assert not (state_dir / "audience.sqlite3").exists()


def test_the_json_access_log_has_a_line_a_request_that_audience_log_counts_alike(
        state_dir, tmp_path):
    import json
    import logging

    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Lines()
    logging.getLogger("feeds.access").addHandler(handler)
    try:
        client = make(state_dir, STATS_TOKEN=TOKEN, STATS_ALLOW="127.0.0.1", ACCESS_LOG=True)
        for address in ("192.0.2.1", "192.0.2.2"):
            client.get("/feed.atom?utm_source=x", headers={"User-Agent": NEWSBOAT},
                       environ_base={"REMOTE_ADDR": address})
        client.get("/topics/nothing.rss")
        served = wait_for_readers(client, 2)["feeds"]
    finally:
        logging.getLogger("feeds.access").removeHandler(handler)
    entries = [json.loads(line) for line in lines]
    assert [(e["uri"], e["status"], e["route"], e["feed"]) for e in entries[:3]] == [
        ("/feed.atom?utm_source=x", 200, "feed", "/feed"), ("/feed.atom?utm_source=x", 200,
                                                           "feed", "/feed"),
        ("/topics/nothing.rss", 404, "other", "")]
    log = tmp_path / "app.json"
    log.write_text("".join(line + "\n" for line in lines))
    other = create_app({"TESTING": True, "SEEDS_DIR": str(SITE), "RELOAD_SECONDS": 0,
                        "STATE_DIR": str(tmp_path / "other"), "STATS_TOKEN": TOKEN,
                        "STATS_ALLOW": "127.0.0.1"})
    assert other.test_cli_runner().invoke(args=["audience-log", str(log)]).exit_code == 0
    assert other.test_client().get("/stats.json").get_json()["feeds"] == served

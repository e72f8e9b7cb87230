"""Seeds that would hurt: topics that multiply work, folders nested past the limit, a seeds
folder gone from under a reload, an embargo that would show in other feeds."""

import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from conftest import article_fields, seed_text
from servers import fetch, serve

from feeds.ingest.parts import MAX_TOPICS
from feeds.ingest.scan import MAX_DEPTH

# Seeds that multiply work


def test_topics_are_capped_and_rendered_in_one_pass(write_seed, make_client):
    topics = [f"Topic {n}" for n in range(20_000)]
    write_seed("many.md", **article_fields(1, topics=topics))
    client = make_client()
    entry = feedparser.parse(client.get("/feed.atom").data).entries[0]
    assert len(entry.tags) == MAX_TOPICS
    assert len(client.get("/").data) < 200_000
    assert json.loads(client.get("/feed.json").data)["items"][0]["tags"][-1] == (
        f"Topic {MAX_TOPICS - 1}")


@pytest.mark.server
def test_a_served_feed_with_a_seed_of_20000_topics_answers_with_the_cap(write_seed, seeds_dir):
    write_seed("many.md", **article_fields(1, topics=[f"Topic {n}" for n in range(20_000)]))
    with serve({"FEEDS_SEEDS_DIR": str(seeds_dir)}) as base:
        for fmt in ("rss", "atom"):
            status, _, body = fetch(f"{base}/feed.{fmt}")
            assert status == 200
            assert len(feedparser.parse(body).entries[0].tags) == MAX_TOPICS
        assert len(fetch(f"{base}/")[2]) < 200_000


# Deep folders and failing reloads


@pytest.fixture
def deep_folder(seeds_dir):
    """1,100 folders nested in seeds_dir, a seed at the bottom; removed level by level after
    (deeper than a path may be long, and than a recursive removal may go)."""
    folders = [os.open(seeds_dir, os.O_RDONLY)]
    for _ in range(1100):
        os.mkdir("d", dir_fd=folders[-1])
        folders.append(os.open("d", os.O_RDONLY, dir_fd=folders[-1]))
    bottom = os.open("bottom.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=folders[-1])
    os.write(bottom, seed_text(**article_fields(2)).encode())
    os.close(bottom)
    yield
    os.unlink("bottom.md", dir_fd=folders[-1])
    for folder in reversed(folders[:-1]):
        os.rmdir("d", dir_fd=folder)
    for folder in folders:
        os.close(folder)


@pytest.mark.usefixtures("deep_folder")
def test_a_deep_folder_is_reported_and_every_other_seed_still_appears(write_seed, make_client):
    write_seed("top.md", **article_fields(1))
    client = make_client()
    health = json.loads(client.get("/healthz").data)
    assert (health["status"], health["articles"], health["invalid"]) == ("ok", 1, 1)
    result = client.application.test_cli_runner().invoke(args=["check"])
    assert f"deeper than {MAX_DEPTH} levels" in result.output


@pytest.mark.server
def test_a_failing_reload_shows_in_healthz_while_the_last_view_is_served(small_site,
                                                                        tmp_path):
    seeds = tmp_path / "live"
    shutil.copytree(small_site, seeds)
    with serve({"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "0.3"}) as base:
        good = json.loads(fetch(f"{base}/healthz")[2])
        seeds.rename(tmp_path / "gone")
        renamed_at = datetime.now(UTC)
        time.sleep(1.5)
        status, _, body = fetch(f"{base}/healthz")
        failing = json.loads(body)
        assert (status, failing["status"]) == (503, "error")
        assert "seeds folder cannot be read" in failing["error"]
        assert datetime.fromisoformat(failing["last_reload"]) <= renamed_at
        assert failing["articles"] == good["articles"] == 3
        assert fetch(f"{base}/feed.rss")[0] == 200
        (tmp_path / "gone").rename(seeds)
        (seeds / "1.md").write_text(seed_text(**article_fields(1, published=False)))
        deadline = time.monotonic() + 10
        while json.loads(fetch(f"{base}/healthz")[2])["articles"] != 2:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        recovered = json.loads(fetch(f"{base}/healthz")[2])
        assert recovered["status"] == "ok" and recovered["last_reload"] > failing["last_reload"]


# Embargoes


@pytest.mark.server
def test_an_embargo_shows_in_no_count_header_or_timing_of_other_feeds(small_site, tmp_path):
    seeds = tmp_path / "embargo"
    shutil.copytree(small_site, seeds)
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "0.3", "FEEDS_MAX_AGE": "300"}
    with serve(env) as base:
        before = json.loads(fetch(f"{base}/healthz")[2])
        beta = fetch(f"{base}/topics/beta.rss")[1]
        soon = datetime.now(UTC) + timedelta(seconds=150)
        (seeds / "later.md").write_text(seed_text(**article_fields(
            9, topics=["Alpha"], publishedDateTime=soon.isoformat(),
            provider={"name": "a.example", "domain": "a.example"})))
        deadline = time.monotonic() + 10
        while json.loads(fetch(f"{base}/healthz")[2])["seeds"] != 4:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        after = json.loads(fetch(f"{base}/healthz")[2])
        assert after["published"] == before["published"]
        assert after["articles"] == before["articles"]
        for path in ("/topics/beta.rss", "/providers/b.example.atom"):
            assert fetch(base + path)[1]["Cache-Control"] == "public, max-age=300", path
        assert fetch(f"{base}/topics/beta.rss")[1]["ETag"] == beta["ETag"]
        for path in ("/feed.rss", "/topics/alpha.rss", "/providers/a.example.json", "/"):
            max_age = int(fetch(base + path)[1]["Cache-Control"].split("max-age=")[1])
            assert max_age <= 150, path

"""Changes learned from the file system's events: the real watcher on real files, one watcher
for a server of several workers, and the walk that takes over where events are missing."""

import http.client
import json
import os
import re
import signal
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import article_fields, seed_text
from servers import fetch, serve
from test_incremental import _same

from feeds.view.corpus import Corpus


def wait_for(condition, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "never seen"
        time.sleep(0.05)


def titles(corpus: Corpus) -> set[str]:
    return {article.title for article in corpus.snapshot().site.articles}


def write(path: Path, n: int, title: str) -> None:
    """Write a seed in one step, as editors that save by rename do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.tmp"
    temporary.write_text(seed_text(**article_fields(n, title=title)))
    os.replace(temporary, path)


def same_as_from_scratch(corpus: Corpus) -> None:
    """The view the events kept is the one a fresh read of the folder builds."""
    _same(corpus.snapshot(), Corpus(corpus.seeds_dir, reload_seconds=0).snapshot())


@pytest.fixture
def watched(seeds_dir):
    """A corpus kept by file events, once its first walk after the events started is done."""
    write(seeds_dir / "first.md", 1, "First")
    corpus = Corpus(seeds_dir, reload_seconds=5, walk_seconds=300)
    corpus.snapshot()
    wait_for(lambda: corpus.watch_state()["changes"] == "file events" and corpus.walks == 2)
    return corpus


def test_creations_edits_renames_and_deletions_are_followed_without_a_walk(watched, seeds_dir):
    write(seeds_dir / "a.md", 2, "Created")
    wait_for(lambda: "Created" in titles(watched))
    (seeds_dir / "a.md").write_text(seed_text(**article_fields(2, title="Edited in place")))
    wait_for(lambda: "Edited in place" in titles(watched))
    write(seeds_dir / "a.md", 2, "Renamed over")
    wait_for(lambda: "Renamed over" in titles(watched))
    os.rename(seeds_dir / "a.md", seeds_dir / "b.md")
    wait_for(lambda: [a.path for a in watched.snapshot().site.articles if a.title ==
                      "Renamed over"] == ["b.md"])
    (seeds_dir / "b.md").unlink()
    wait_for(lambda: titles(watched) == {"First"})
    same_as_from_scratch(watched)
    assert watched.walks == 2


def test_folders_made_moved_out_and_moved_in_are_followed(watched, seeds_dir, tmp_path):
    write(seeds_dir / "2024" / "05" / "x.md", 3, "Deep")
    wait_for(lambda: "Deep" in titles(watched))
    outside = tmp_path / "outside"
    write(outside / "y.md", 4, "Moved in")
    write(outside / "z.md", 5, "Moved in too")
    os.rename(outside, seeds_dir / "moved")
    wait_for(lambda: {"Moved in", "Moved in too"} <= titles(watched))
    os.rename(seeds_dir / "2024", tmp_path / "gone")
    wait_for(lambda: "Deep" not in titles(watched))
    same_as_from_scratch(watched)
    assert watched.walks == 2


def test_a_seed_written_in_several_steps_keeps_its_last_version_until_complete(
        watched, seeds_dir):
    text = seed_text(**article_fields(1, title="Second version"))
    with open(seeds_dir / "first.md", "w") as file:
        file.write(text[:20])  # the front matter cut short: invalid while it is written
        file.flush()
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:
            assert titles(watched) == {"First"} and not watched.snapshot().invalid
            time.sleep(0.05)
        file.write(text[20:])
    wait_for(lambda: titles(watched) == {"Second version"})
    assert not watched.snapshot().invalid


def test_a_switched_seeds_link_is_watched_in_its_new_folder(tmp_path):
    for release, title in [("release-1", "First release"), ("release-2", "Second release")]:
        write(tmp_path / release / "a.md", 1, title)
    current = tmp_path / "current"
    current.symlink_to("release-1")
    corpus = Corpus(current, reload_seconds=5)
    assert titles(corpus) == {"First release"}
    wait_for(lambda: corpus.watch_state()["changes"] == "file events")
    (tmp_path / "next").symlink_to("release-2")
    os.replace(tmp_path / "next", current)
    wait_for(lambda: titles(corpus) == {"Second release"})
    time.sleep(0.3)
    write(tmp_path / "release-2" / "b.md", 2, "After the switch")
    wait_for(lambda: "After the switch" in titles(corpus))


def test_without_events_the_folder_is_walked_every_reload_interval(seeds_dir):
    write(seeds_dir / "first.md", 1, "First")
    corpus = Corpus(seeds_dir, reload_seconds=0.3, watch=False)
    corpus.snapshot()
    walks = corpus.walks
    write(seeds_dir / "a.md", 2, "Walked to")
    wait_for(lambda: "Walked to" in titles(corpus))
    assert corpus.walks > walks
    assert corpus.watch_state()["changes"] == "walks"
    same_as_from_scratch(corpus)


def healths(base: str, workers: int) -> dict[int, dict[str, Any]]:
    """/healthz of every worker, by pid (each from a new connection until all answered)."""
    seen: dict[int, dict[str, Any]] = {}
    deadline = time.monotonic() + 20
    while len(seen) < workers:
        assert time.monotonic() < deadline, f"only workers {sorted(seen)} answered"
        host, port = base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("GET", "/healthz")
        body = json.loads(connection.getresponse().read())
        connection.close()
        seen[body["pid"]] = body
    return seen


def test_an_idle_server_walks_nothing_and_every_worker_follows_one_watcher(seeds_dir):
    write(seeds_dir / "first.md", 1, "First")
    env = {"FEEDS_SEEDS_DIR": str(seeds_dir), "FEEDS_RELOAD_SECONDS": "0.2"}
    with serve(env, workers=2) as base:
        wait_for(lambda: all(h["changes"] == "file events" for h in healths(base, 2).values()))
        time.sleep(1)
        before = healths(base, 2)
        assert len({h["watcher"] for h in before.values()}) == 1
        time.sleep(2)  # ten reload intervals, no change
        assert {pid: h["walks"] for pid, h in healths(base, 2).items()} == {
            pid: h["walks"] for pid, h in before.items()}
        write(seeds_dir / "a.md", 2, "Seen by all")
        wait_for(lambda: all(h["articles"] == 2 for h in healths(base, 2).values()))
        assert {pid: h["walks"] for pid, h in healths(base, 2).items()} == {
            pid: h["walks"] for pid, h in before.items()}


def test_a_watcher_that_dies_is_replaced_and_changes_are_still_seen(seeds_dir):
    write(seeds_dir / "first.md", 1, "First")
    env = {"FEEDS_SEEDS_DIR": str(seeds_dir), "FEEDS_RELOAD_SECONDS": "0.2"}
    with serve(env, workers=2) as base:
        wait_for(lambda: all(h["changes"] == "file events" for h in healths(base, 2).values()))
        watcher = next(iter(healths(base, 2).values()))["watcher"]
        os.kill(watcher, signal.SIGKILL)
        wait_for(lambda: all(h["watcher"] not in (None, watcher) and h["changes"] ==
                             "file events" for h in healths(base, 2).values()), 30)
        write(seeds_dir / "a.md", 2, "After the watcher died")
        wait_for(lambda: all(h["articles"] == 2 for h in healths(base, 2).values()))


def test_a_folder_on_a_network_file_system_is_walked_not_watched(tmp_path):
    mounts = tmp_path / "mountinfo"
    mounts.write_text("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                      "36 22 0:52 / /srv/seeds rw,noatime - nfs4 files:/seeds rw\n")
    from feeds.view.events import network_file_system
    assert network_file_system(Path("/srv/seeds/news"), str(mounts)) == "nfs4"
    assert network_file_system(Path("/srv/seedsx"), str(mounts)) is None


def test_a_server_kept_by_events_serves_the_documents_of_a_fresh_one(seeds_dir, tmp_path):
    for n in range(1, 8):
        write(seeds_dir / f"{n}.md", n, f"Article {n}")
    env = {"FEEDS_SEEDS_DIR": str(seeds_dir), "FEEDS_RELOAD_SECONDS": "5",
           "FEEDS_BASE_URL": "https://feeds.example.com"}  # the same links from both
    with serve(env, workers=2) as kept:
        wait_for(lambda: all(h["changes"] == "file events" for h in healths(kept, 2).values()))
        write(seeds_dir / "8.md", 8, "Added")
        write(seeds_dir / "3.md", 3, "Edited")
        (seeds_dir / "5.md").unlink()
        write(seeds_dir / "later" / "9.md", 9, "In a new folder")
        wait_for(lambda: all(h["articles"] == 8 for h in healths(kept, 2).values()))
        with serve(env) as fresh:
            paths = ["/", "/opml.xml", "/feed.rss?q=article&sort=heat", "/feed.json?digest=daily"]
            feeds = [urlsplit(url).path for url in re.findall(
                r'xmlUrl="([^"]+)"', fetch(f"{fresh}/opml.xml")[2].decode())]
            paths += [feed.replace(".rss", suffix) for feed in feeds
                      for suffix in (".rss", ".atom", ".json")]
            assert len(paths) >= 13  # the pages, the site and its topic and provider, 3 formats
            for path in paths:
                assert fetch(f"{kept}{path}")[2] == fetch(f"{fresh}{path}")[2], path


def test_an_idle_corpus_looks_at_the_ring_a_few_times_a_second_not_in_a_loop(seeds_dir):
    write(seeds_dir / "first.md", 1, "First")
    corpus = Corpus(seeds_dir, reload_seconds=0.2)  # long past its walk interval, soon
    corpus.snapshot()
    wait_for(lambda: corpus.watch_state()["changes"] == "file events")
    time.sleep(1)
    reloads, walks = corpus.reloads, corpus.walks
    time.sleep(2)
    assert corpus.reloads - reloads <= 2 / 0.25 + 2  # FOLLOW_SECONDS apart, give or take
    assert corpus.walks == walks

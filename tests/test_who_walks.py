"""Which process walks the seeds folder, and what /healthz says of it: the watcher walks and
has the others read what it found; the others follow it, and walk only once it is unheard
for long; a seed still being written is read again until complete."""

import copy
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import BASE_URL, article_fields, seed_text
from flask.testing import FlaskClient

from feeds import create_app
from feeds.view.changes import _BEAT, EVENTS, WALKING, ChangeRing
from feeds.view.corpus import Corpus

OTHER_PID = 4242  # the pid another watching process writes in its heartbeat


@pytest.fixture
def others() -> Iterator[list[int]]:
    """The descriptors by which other processes hold rings' locks; closed after the test."""
    held: list[int] = []
    yield held
    for ballot in held:
        os.close(ballot)


def elect_another(ring: ChangeRing, held: list[int], heard_seconds_ago: float,
                  mode: int = WALKING) -> None:
    """Another process takes the ring's lock (it watches) and beats, so long ago."""
    ballot = os.open(f"/proc/self/fd/{ring._file}", os.O_RDONLY | os.O_CLOEXEC)
    held.append(ballot)
    fcntl.flock(ballot, fcntl.LOCK_EX | fcntl.LOCK_NB)
    beat(ring, heard_seconds_ago, mode)


def beat(ring: ChangeRing, heard_seconds_ago: float, mode: int = WALKING) -> None:
    """The other watcher's heartbeat, as it writes it into the shared ring."""
    _BEAT.pack_into(ring._map, 8, time.monotonic_ns() - int(heard_seconds_ago * 1e9),
                    OTHER_PID, mode)


def ring_of(corpus: Corpus) -> ChangeRing:
    """The change ring the corpus shares with the processes forked after it."""
    assert corpus._ring is not None
    return corpus._ring


def write(seeds_dir: Path, name: str, n: int, title: str) -> None:
    """A seed written in one step."""
    (seeds_dir / name).write_text(seed_text(**article_fields(n, title=title)))


def titles(corpus: Corpus) -> set[str]:
    """The titles published now."""
    assert corpus.current is not None
    return {article.title for article in corpus.current.site.articles}


def follower(seeds_dir: Path, held: list[int], heard_seconds_ago: float = 0,
             reload_seconds: float = 0.01) -> Corpus:
    """A corpus read once, in a process that another one watches for."""
    write(seeds_dir, "first.md", 1, "First")
    corpus = Corpus(seeds_dir, reload_seconds=reload_seconds, watch=False)
    elect_another(ring_of(corpus), held, heard_seconds_ago, EVENTS)
    corpus.snapshot(watching=False)
    time.sleep(min(2 * reload_seconds, 0.05))  # past a short reload interval
    return corpus


def test_healthz_names_the_process_that_walks_as_the_watcher(seeds_dir: Path) -> None:
    """One process alone elects itself, walks without file events, and says so."""
    write(seeds_dir, "first.md", 1, "First")
    client = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "BASE_URL": BASE_URL,
                         "RELOAD_SECONDS": 5, "WATCH": False}).test_client()
    answer = client.get("/healthz")
    body = answer.get_json()
    assert answer.status_code == 200 and body["status"] == "ok" and "problems" not in body
    assert (body["changes"], body["watcher"], body["walks"]) == ("walks", os.getpid(), 1)
    assert 0 <= body["watcher_heard"] < 5 and "events" not in body


def test_healthz_says_how_long_ago_the_watcher_was_heard_to_a_tenth_of_a_second(
        seeds_dir: Path, others: list[int]) -> None:
    """Another process that watches by file events is named, and when it last beat."""
    corpus = follower(seeds_dir, others)
    beat(ring_of(corpus), 3.27, EVENTS)
    assert corpus.watch_state() == {"changes": "file events", "watcher": OTHER_PID,
                                    "watcher_heard": 3.3, "walks": 1}
    assert corpus.problems == ()


def test_a_corpus_no_process_watched_yet_says_so(seeds_dir: Path) -> None:
    """Before any process elects itself, nobody is named."""
    write(seeds_dir, "first.md", 1, "First")
    corpus = Corpus(seeds_dir, reload_seconds=5, watch=False)
    corpus.snapshot(watching=False)
    assert corpus.watch_state() == {"changes": "not yet watched", "watcher": None,
                                    "watcher_heard": None, "walks": 1}
    assert corpus.problems == ()


def test_without_background_reloads_every_request_walks(
        make_client: Callable[[], FlaskClient]) -> None:
    """With reload_seconds 0 each request walks the folder, and /healthz says so."""
    client = make_client()
    first, second = client.get("/healthz").get_json(), client.get("/healthz").get_json()
    assert (first["changes"], first["walks"], second["walks"]) == (
        "walk at every request", 1, 2)
    assert "watcher" not in first and first["status"] == "ok"


@pytest.mark.parametrize("reload_seconds, heard, stale", [
    (0.01, 9.5, False), (0.01, 10, True), (4, 11.5, False), (4, 12, True)])
def test_a_watcher_unheard_for_ten_seconds_or_three_reload_intervals_is_a_problem(
        seeds_dir: Path, others: list[int], reload_seconds: float, heard: float,
        stale: bool) -> None:
    """/healthz names a watcher gone quiet for STALE_SECONDS or three reload intervals,
    whichever is longer."""
    corpus = follower(seeds_dir, others, heard, reload_seconds)
    said = (f"the watching process {OTHER_PID} was last heard from {heard:.0f} s ago; each "
            f"process walks the folder every {reload_seconds:g} s")
    assert corpus.problems == ((said,) if stale else ())


def test_healthz_is_degraded_while_the_watcher_is_unheard(seeds_dir: Path,
                                                          others: list[int]) -> None:
    """A watcher gone quiet makes /healthz a 503 that names it."""
    write(seeds_dir, "first.md", 1, "First")
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds_dir), "BASE_URL": BASE_URL,
                      "RELOAD_SECONDS": 5, "WATCH": False})
    elect_another(ring_of(app.extensions["feeds"].corpus), others, 20)
    answer = app.test_client().get("/healthz")
    body = answer.get_json()
    assert (answer.status_code, body["status"], body["watcher"]) == (503, "degraded", OTHER_PID)
    assert body["problems"] == [f"the watching process {OTHER_PID} was last heard from 20 s "
                                "ago; each process walks the folder every 5 s"]


def test_a_follower_reads_the_names_the_watcher_wrote_and_walks_nothing(
        seeds_dir: Path, others: list[int]) -> None:
    """While the watcher is alive, another process sees what the watcher names, only that."""
    corpus = follower(seeds_dir, others)
    write(seeds_dir, "second.md", 2, "Second")
    write(seeds_dir, "third.md", 3, "Third")
    ring_of(corpus).append(["second.md"])
    corpus.tick()
    assert titles(corpus) == {"First", "Second"} and corpus.walks == 1


def test_a_follower_walks_once_the_watcher_is_unheard(seeds_dir: Path,
                                                      others: list[int]) -> None:
    """A watcher gone quiet: every other process walks the folder itself."""
    corpus = follower(seeds_dir, others)
    write(seeds_dir, "second.md", 2, "Second")
    corpus.tick()
    assert titles(corpus) == {"First"}
    other = copy.copy(ring_of(corpus))  # a third process's place in the ring
    beat(ring_of(corpus), 10.5, EVENTS)
    corpus.tick()
    assert titles(corpus) == {"First", "Second"} and corpus.walks == 2
    assert other.read() == [] and corpus.watch_state()["watcher"] == OTHER_PID  # not its say


def test_a_follower_waits_for_a_watcher_elected_that_has_not_beaten_yet(
        seeds_dir: Path, others: list[int]) -> None:
    """A watcher just elected is given its time: the others do not all walk at a start."""
    write(seeds_dir, "first.md", 1, "First")
    corpus = Corpus(seeds_dir, reload_seconds=0.01, watch=False)
    ballot = os.open(f"/proc/self/fd/{ring_of(corpus)._file}", os.O_RDONLY | os.O_CLOEXEC)
    others.append(ballot)
    fcntl.flock(ballot, fcntl.LOCK_EX | fcntl.LOCK_NB)
    corpus.snapshot(watching=False)
    write(seeds_dir, "second.md", 2, "Second")
    time.sleep(0.02)
    corpus.tick()
    assert titles(corpus) == {"First"} and corpus.walks == 1
    assert corpus.watch_state()["changes"] == "not yet watched"


def test_a_switched_seeds_link_is_logged_once_and_followed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A deploy that switches the seeds folder's link is followed, and said once."""
    caplog.set_level(logging.INFO, logger="feeds.view.reloading")
    for release, title in [("release-1", "First release"), ("release-2", "Second release")]:
        (tmp_path / release).mkdir()
        write(tmp_path / release, "a.md", 1, title)
    current = tmp_path / "current"
    current.symlink_to("release-1")
    corpus = Corpus(current, reload_seconds=0)
    corpus.snapshot(watching=False)
    (tmp_path / "next").symlink_to("release-2")
    os.replace(tmp_path / "next", current)
    corpus.snapshot(watching=False)
    corpus.snapshot(watching=False)
    assert titles(corpus) == {"Second release"}
    said = [r.getMessage() for r in caplog.records if "now leads to" in r.getMessage()]
    assert said == [f"the seeds folder {current} now leads to {tmp_path / 'release-2'}"]


def test_a_follower_reads_a_seed_still_being_written_again_until_it_is_complete(
        seeds_dir: Path, others: list[int]) -> None:
    """A seed named while half written is read again at the next ticks, unnamed."""
    corpus = follower(seeds_dir, others)
    text = seed_text(**article_fields(2, title="Second"))
    (seeds_dir / "second.md").write_text(text[:20])
    ring_of(corpus).append(["second.md"])
    corpus.tick()
    assert titles(corpus) == {"First"}
    assert corpus.current is not None and not corpus.current.invalid
    (seeds_dir / "second.md").write_text(text)
    corpus.tick()
    assert titles(corpus) == {"First", "Second"} and corpus.walks == 1


def test_what_the_watcher_walked_to_is_named_for_the_other_processes(seeds_dir: Path) -> None:
    """The watcher's walk writes what changed into the ring, where other processes read it,
    and beats for them."""
    write(seeds_dir, "first.md", 1, "First")
    corpus = Corpus(seeds_dir, reload_seconds=0.01, watch=False)
    corpus.snapshot(watching=False)
    events = {thread for thread in threading.enumerate() if thread.name == "seed-events"}
    corpus.tick()  # elected
    assert {t for t in threading.enumerate() if t.name == "seed-events"} <= events  # WATCH off
    other = copy.copy(ring_of(corpus))  # another process's, forked: its own place in it
    write(seeds_dir, "second.md", 2, "Second")
    time.sleep(0.02)
    corpus.tick()
    assert corpus.walks == 2 and titles(corpus) == {"First", "Second"}
    assert other.read() == ["second.md"]
    assert ring_of(corpus).read() == []  # what it wrote, the watcher has read
    assert corpus.watch_state()["changes"] == "walks"


def test_a_follower_whose_seeds_folder_vanished_keeps_its_view_and_says_so(
        seeds_dir: Path, tmp_path: Path, others: list[int]) -> None:
    """Names followed while the folder is gone delete nothing: the last good view stays,
    and the reload is an error /healthz names."""
    corpus = follower(seeds_dir, others)
    seeds_dir.rename(tmp_path / "elsewhere")
    ring_of(corpus).append(["first.md"])
    corpus.tick()
    assert titles(corpus) == {"First"}
    assert corpus.last_error == "the seeds folder cannot be read: No such file or directory"

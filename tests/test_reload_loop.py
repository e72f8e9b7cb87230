"""The background reload loop, on real files and its real thread: it goes on after an
unexpected error, prepares each new view before a request needs it, runs once a process, and
ends with its corpus."""

import gc
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import article_fields, seed_text

from feeds.view.corpus import Corpus

RELOADER = "seed-reloader"


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Until condition holds; a failure if it never does."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "never seen"
        time.sleep(0.02)


def write(seeds_dir: Path, name: str, n: int, title: str) -> None:
    """A seed written in one step."""
    (seeds_dir / name).write_text(seed_text(**article_fields(n, title=title)))


def titles(corpus: Corpus) -> set[str]:
    """The titles the corpus publishes now, without reloading."""
    current = corpus.current
    return {article.title for article in current.site.articles} if current else set()


def reloaders() -> set[threading.Thread]:
    """The reload threads running in this process."""
    return {thread for thread in threading.enumerate() if thread.name == RELOADER}


def walked_corpus(seeds_dir: Path, **options: object) -> Corpus:
    """A corpus that walks its folder every 0.1 s (no file events), first read."""
    write(seeds_dir, "first.md", 1, "First")
    settings: dict = {"reload_seconds": 0.1, "watch": False, **options}
    corpus = Corpus(seeds_dir, **settings)
    corpus.snapshot()
    return corpus


def test_reloads_go_on_after_an_unexpected_error_which_is_logged_once_with_its_traceback(
        seeds_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A bug in a reload is logged, traceback and all, and the next changes still come."""
    told: list[object] = []

    def fail_once(sections: object) -> None:
        told.append(sections)
        if len(told) == 1:
            raise RuntimeError("the hub is down " + "!" * 400)

    corpus = walked_corpus(seeds_dir, on_change=fail_once)
    write(seeds_dir, "second.md", 2, "Second")
    wait_for(lambda: corpus.reload_failures == 1)
    write(seeds_dir, "third.md", 3, "Third")
    wait_for(lambda: "Third" in titles(corpus))
    reason = ("RuntimeError: the hub is down " + "!" * 400)[:300]
    failures = [r for r in caplog.records if r.getMessage().startswith("reloading the seeds")]
    assert [(r.levelno, r.getMessage()) for r in failures] == [
        (logging.ERROR, f"reloading the seeds failed ({reason}); the last good view is still "
                        "served")]
    assert failures[0].exc_info is not None and failures[0].exc_info[0] is RuntimeError


def test_a_view_built_whole_has_its_index_built_before_any_request_asks(seeds_dir: Path) -> None:
    """The thread builds a new view's index itself: the first query after a change waits for
    no index."""
    corpus = walked_corpus(seeds_dir)
    write(seeds_dir, "second.md", 2, "Second")  # half the seeds changed: a view built whole
    wait_for(lambda: "Second" in titles(corpus))
    wait_for(lambda: corpus.current is not None and corpus.current.lookups.built() is not None)


def test_an_old_view_is_brought_up_to_date_before_the_thread_starts(seeds_dir: Path) -> None:
    """A corpus loaded long ago (a worker forked from its launcher) answers its first request
    with what changed since, not with the view it was forked with."""
    write(seeds_dir, "first.md", 1, "First")
    corpus = Corpus(seeds_dir, reload_seconds=0.1, watch=False)
    corpus.snapshot(watching=False)
    write(seeds_dir, "second.md", 2, "Second")
    time.sleep(0.2)  # past the reload interval
    assert {a.title for a in corpus.snapshot().site.articles} == {"First", "Second"}


def test_a_process_runs_one_reload_thread_and_reloads_only_from_it(seeds_dir: Path) -> None:
    """Requests start one daemon thread a process; they do not reload themselves."""
    before = reloaders()
    corpus = walked_corpus(seeds_dir)
    reloads = corpus.reloads
    for _ in range(20):
        corpus.snapshot()
    assert corpus.reloads - reloads < 10
    started = reloaders() - before
    assert len(started) == 1 and next(iter(started)).daemon


def test_the_reload_thread_ends_with_its_corpus(seeds_dir: Path) -> None:
    """A corpus that is gone leaves no thread behind."""
    before = reloaders()
    corpus = walked_corpus(seeds_dir)
    thread, = reloaders() - before
    del corpus
    wait_for(lambda: gc.collect() >= 0 and not thread.is_alive())


def test_the_reload_thread_saves_the_parse_cache(seeds_dir: Path, tmp_path: Path) -> None:
    """What the watching process read is written to the parse cache without a request."""
    cache = tmp_path / "cache"
    corpus = walked_corpus(seeds_dir, cache_dir=cache)
    wait_for(lambda: any(cache.glob("parse-cache-*")))
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=cache).snapshot(watching=False)
    assert [a.title for a in restarted.site.articles] == ["First"]
    assert titles(corpus) == {"First"}


def test_with_file_events_the_watcher_walks_once_then_follows_them(seeds_dir: Path) -> None:
    """Once its events are in place the watcher walks once (for what changed meanwhile),
    then learns of changes from the events, walking no more."""
    corpus = walked_corpus(seeds_dir, watch=True, reload_seconds=5)
    wait_for(lambda: corpus.watch_state()["changes"] == "file events" and corpus.walks == 2)
    corpus.tick()
    corpus.tick()
    assert corpus.watch_state()["changes"] == "file events"  # a tick beats only without
    write(seeds_dir, "second.md", 2, "Second")
    wait_for(lambda: "Second" in titles(corpus))
    assert corpus.walks == 2


def test_the_file_event_thread_ends_with_its_corpus(seeds_dir: Path) -> None:
    """A corpus that is gone leaves no file watcher behind."""
    before = {thread for thread in threading.enumerate() if thread.name == "seed-events"}
    corpus = walked_corpus(seeds_dir, watch=True)
    while corpus.watch_state()["changes"] != "file events":
        time.sleep(0.02)
    thread, = {t for t in threading.enumerate() if t.name == "seed-events"} - before
    del corpus
    wait_for(lambda: gc.collect() >= 0 and not thread.is_alive())


def test_first_requests_at_the_same_moment_start_one_reload_thread(seeds_dir: Path) -> None:
    """Two requests that both find no thread running start one between them."""
    before = reloaders()
    write(seeds_dir, "first.md", 1, "First")
    corpus = Corpus(seeds_dir, reload_seconds=0.1, watch=False)
    corpus.snapshot(watching=False)
    assert corpus._watcher is not None
    requests = [threading.Thread(target=corpus.snapshot) for _ in range(2)]
    with corpus._watcher._lock:  # both past the first look, waiting for the lock
        for request in requests:
            request.start()
        time.sleep(0.1)
    for request in requests:
        request.join()
    assert len(reloaders() - before) == 1


def test_with_file_events_the_watcher_walks_every_walk_interval_not_every_reload(
        seeds_dir: Path) -> None:
    """The safety-net walk of a watcher with events waits for walk_seconds."""
    corpus = walked_corpus(seeds_dir, watch=True, reload_seconds=0.3, walk_seconds=300)
    wait_for(lambda: corpus.watch_state()["changes"] == "file events")
    corpus.tick()  # the walk once the events are in place, if the thread has not walked it
    walks = corpus.walks
    time.sleep(0.35)  # past a reload interval
    corpus.tick()
    assert corpus.walks == walks


def test_a_seeds_folder_missing_at_the_start_is_served_once_it_appears(tmp_path: Path) -> None:
    """Reloads go on while the folder is missing, /healthz naming the error, and its seeds
    are served once it is there."""
    seeds_dir = tmp_path / "seeds"
    corpus = Corpus(seeds_dir, reload_seconds=0.1, watch=False)
    assert corpus.snapshot().site.articles == ()
    assert corpus.last_error == "the seeds folder cannot be read: No such file or directory"
    seeds_dir.mkdir()
    write(seeds_dir, "first.md", 1, "First")
    wait_for(lambda: titles(corpus) == {"First"} and corpus.last_error is None)

"""The parallel cold read: every seed once and in order across chunks, helpers forked only
where forking is safe (else fresh interpreters), one process when no helper can start."""

import logging
import multiprocessing
import multiprocessing.spawn
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import article_fields

from feeds.ingest import forking, reading
from feeds.ingest.reading import read_many
from feeds.model import Article, SeedError

Progress = list[tuple[int, int]]
INVALID = "invalid: has invalid YAML at line 3: did not find expected node content"


@pytest.fixture
def eleven_seeds(seeds_dir: Path, write_seed: Callable[..., Path]) -> list[str]:
    """Eleven seeds, the seventh invalid, each titled by its number; their names in order."""
    for n in range(1, 12):
        if n == 7:
            write_seed(f"{n:02d}.md", "---\ntitle: [\n---\n")
        else:
            write_seed(f"{n:02d}.md", **article_fields(n, title=f"Seed {n}"))
    return sorted(path.name for path in seeds_dir.iterdir())


@pytest.fixture
def in_chunks_of_three(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads of two seeds or more go to the pool, three seeds a chunk."""
    monkeypatch.setattr(reading, "PARALLEL_FROM", 2)
    monkeypatch.setattr(reading, "CHUNK", 3)


@pytest.fixture
def another_thread() -> Iterator[None]:
    """A thread running beside the test's, which makes forking unsafe."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    yield
    stop.set()
    thread.join()


def titles(results: list) -> list[str]:
    """Each result's title, or its error's reason."""
    return [r.title if isinstance(r, Article) else f"invalid: {r.reason}" for r in results]


def helpers_seen(progress: Progress, commands: set[bytes]) -> Callable[[int, int], None]:
    """A progress callback that notes each call and the command lines of the pool's helpers."""

    def seen(done: int, total: int) -> None:
        progress.append((done, total))
        for child in multiprocessing.active_children():
            commands.add(Path(f"/proc/{child.pid}/cmdline").read_bytes())

    return seen


def forked(commands: set[bytes]) -> bool:
    """Whether every helper runs this process's own command (a fork), none a fresh one."""
    own = Path(f"/proc/{os.getpid()}/cmdline").read_bytes()
    assert commands
    return commands == {own}


@pytest.mark.usefixtures("in_chunks_of_three")
def test_a_parallel_read_gives_every_seed_once_in_order_across_chunks(
        seeds_dir: Path, eleven_seeds: list[str]) -> None:
    """Four chunks (the last short) come back joined in the callers' order, each seed once."""
    progress: Progress = []
    results = read_many(seeds_dir, eleven_seeds, helpers_seen(progress, set()))
    assert titles(results) == [*(f"Seed {n}" for n in range(1, 7)), INVALID,
                               *(f"Seed {n}" for n in range(8, 12))]
    assert [r.path for r in results] == eleven_seeds
    assert progress == [(3, 11), (6, 11), (9, 11), (11, 11)]


@pytest.mark.usefixtures("in_chunks_of_three")
def test_a_read_of_exactly_the_parallel_threshold_goes_to_the_pool(
        seeds_dir: Path, eleven_seeds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """As many seeds as PARALLEL_FROM are read in the pool, which reports its progress."""
    monkeypatch.setattr(reading, "PARALLEL_FROM", len(eleven_seeds))
    progress: Progress = []
    assert titles(read_many(seeds_dir, eleven_seeds, helpers_seen(progress, set())))[-1] == (
        "Seed 11")
    assert progress[-1] == (11, 11)


@pytest.mark.usefixtures("in_chunks_of_three")
def test_a_read_below_the_parallel_threshold_stays_in_this_process(
        seeds_dir: Path, eleven_seeds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """One seed fewer than PARALLEL_FROM is read here, with no helper and no progress."""
    monkeypatch.setattr(reading, "PARALLEL_FROM", len(eleven_seeds) + 1)
    progress: Progress = []
    commands: set[bytes] = set()
    assert titles(read_many(seeds_dir, eleven_seeds, helpers_seen(progress, commands)))[0] == (
        "Seed 1")
    assert progress == [] and commands == set()


@pytest.mark.usefixtures("in_chunks_of_three")
def test_helpers_are_forked_when_this_thread_runs_alone(seeds_dir: Path,
                                                       eleven_seeds: list[str]) -> None:
    """Alone in the main thread (as in its own run; not beside a session's watchers), forked."""
    alone = threading.active_count() == 1
    commands: set[bytes] = set()
    read_many(seeds_dir, eleven_seeds, helpers_seen([], commands))
    assert forked(commands) is alone


@pytest.mark.usefixtures("in_chunks_of_three", "another_thread")
def test_helpers_are_fresh_interpreters_while_another_thread_runs(
        seeds_dir: Path, eleven_seeds: list[str]) -> None:
    """With a thread beside this one, helpers are spawned: a fork would copy its locks held."""
    commands: set[bytes] = set()
    results = read_many(seeds_dir, eleven_seeds, helpers_seen([], commands))
    assert titles(results)[6] == INVALID and not forked(commands)
    assert all(b"from multiprocessing.spawn import spawn_main" in c for c in commands)


@pytest.mark.usefixtures("in_chunks_of_three")
def test_helpers_are_fresh_interpreters_once_forking_is_forbidden(
        seeds_dir: Path, eleven_seeds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """After forbid_forking (a granian worker), this process never forks a helper again."""
    monkeypatch.setattr(forking, "_FORBIDDEN_IN", set())
    forking.forbid_forking()
    commands: set[bytes] = set()
    assert titles(read_many(seeds_dir, eleven_seeds, helpers_seen([], commands)))[0] == "Seed 1"
    assert not forked(commands)


@pytest.mark.usefixtures("in_chunks_of_three", "another_thread")
def test_no_helper_can_start_and_the_seeds_are_read_in_this_process(
        seeds_dir: Path, eleven_seeds: list[str], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Forking unsafe and no interpreter to spawn: every seed is read here, with a warning."""
    monkeypatch.setattr(multiprocessing.spawn, "_python_exe", multiprocessing.spawn._python_exe)  # type: ignore[attr-defined]  # multiprocessing's private name
    multiprocessing.spawn.set_executable("/nonexistent/python")
    with caplog.at_level(logging.WARNING, logger="feeds.ingest.reading"):
        results = read_many(seeds_dir, eleven_seeds)
    assert titles(results) == titles(reading._read_chunk(seeds_dir, eleven_seeds))
    assert [r.path for r in results] == eleven_seeds
    record, = caplog.records  # why: the spawn's error, or the pool's as it shuts down after it
    assert record.levelno == logging.WARNING
    assert re.fullmatch(r"reading seeds in one process \((?!None\)|%s\)).+\)", record.getMessage())


def test_a_seed_that_breaks_the_reader_is_invalid_alone_and_logged(
        seeds_dir: Path, write_seed: Callable[..., Path],
        caplog: pytest.LogCaptureFixture) -> None:
    """An error no seed should raise makes that one seed invalid, with its traceback logged."""
    write_seed("a.md", **article_fields(1))
    broken = "b\x00.md"  # no file system lists such a name: opening it is a ValueError
    results = read_many(seeds_dir, ["a.md", broken])
    error = results[1]
    assert isinstance(error, SeedError) and titles(results[:1]) == ["Article 1"]
    assert (error.path, error.reason) == (broken, "could not be read (ValueError: embedded "
                                                  "null byte)")
    record, = (r for r in caplog.records if r.name == "feeds.ingest.reading")
    assert record.getMessage() == f"reading seed {broken} failed unexpectedly"
    assert record.exc_info is not None and record.exc_info[0] is ValueError


def test_a_long_reason_from_a_bug_is_cut_to_three_hundred_characters(
        seeds_dir: Path, write_seed: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """However long a bug's message, the seed's reason (shown in /healthz and check) is cut to
    300 characters. No seed we know of finds such a bug, so the reader is made to fail here."""
    write_seed("a.md", **article_fields(1))

    def buggy(path: Path, name: str) -> Article:
        raise RuntimeError("x" * 1000)

    monkeypatch.setattr(reading, "read_seed", buggy)
    error, = read_many(seeds_dir, ["a.md"])
    assert isinstance(error, SeedError)
    assert error.reason == ("could not be read (RuntimeError: " + "x" * 1000)[:300]
    assert len(error.reason) == 300

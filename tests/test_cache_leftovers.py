"""The temporary files of killed parse-cache writers: removed when their process is gone or they
are a day old, kept while their writer may still be at work."""

import os
import pwd
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import article_fields

from feeds.ingest.forking import running
from feeds.view.corpus import Corpus

DAY = 86400


def leftovers_after_a_save(seeds_dir: Path, cache: Path, names: dict[str, float]) -> set[str]:
    """Which writers' files (named after the cache's prefix, with an age) outlive a save."""
    corpus = Corpus(seeds_dir, reload_seconds=0, cache_dir=cache)
    corpus.snapshot(watching=False)
    corpus.save_cache(force=True)
    cache_file, = cache.glob("parse-cache-*")
    prefix = "." + cache_file.name.removesuffix(".pickle") + "-"
    for name, age in names.items():
        path = cache / f"{prefix}{name}"
        path.write_bytes(b"half a pickle")
        os.utime(path, (time.time() - age, time.time() - age))
    corpus._unsaved = True
    corpus.save_cache(force=True)
    return {path.name.removeprefix(prefix) for path in cache.glob(f"{prefix}*")}


@pytest.fixture
def writer() -> Iterator[subprocess.Popen[bytes]]:
    """A running process, standing for a writer still at work."""
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def test_a_running_writers_file_goes_only_once_a_day_old(
        seeds_dir: Path, write_seed: Callable[..., Path], tmp_path: Path,
        writer: subprocess.Popen[bytes]) -> None:
    """A file of a running process (another machine's, on a shared disk) goes after one day;
    asking whether the writer runs leaves it running."""
    write_seed("a.md", **article_fields(1))
    pid = writer.pid
    assert leftovers_after_a_save(seeds_dir, tmp_path / "cache", {
        f"{pid}-old": DAY + 30, f"{pid}-just": DAY + 0.2, f"{pid}-young": DAY - 30,
    }) == {f"{pid}-young"}
    assert writer.poll() is None


def test_process_zero_is_no_writer_and_process_one_always_runs(
        seeds_dir: Path, write_seed: Callable[..., Path], tmp_path: Path) -> None:
    """0 names no process (kill(0) would ask this process's group), so its file goes; 1, the
    system's first process, always runs, so its file waits its day."""
    write_seed("a.md", **article_fields(1))
    assert leftovers_after_a_save(seeds_dir, tmp_path / "cache", {
        "0-abc": 0.0, "1-abc": 0.0}) == {"1-abc"}


def test_a_file_without_a_process_id_spares_none_of_the_others(
        seeds_dir: Path, write_seed: Callable[..., Path], tmp_path: Path) -> None:
    """Files whose name holds no process id are left, and every dead writer's file still goes."""
    write_seed("a.md", **article_fields(1))
    odd = {f"x{n}-abc": 0.0 for n in range(6)}
    dead = {f"{2**22 + n}-abc": 0.0 for n in range(6)}  # above any pid Linux gives by default
    assert leftovers_after_a_save(seeds_dir, tmp_path / "cache", odd | dead) == set(odd)


def test_a_writer_of_another_user_counts_as_running(writer: subprocess.Popen[bytes]) -> None:
    """A server run as an ordinary user may not signal root's writer, which still runs: its file
    is kept (asked from a child process that gives up root, as a server started so would be)."""
    assert running(writer.pid)
    nobody = pwd.getpwnam("nobody")
    readable, writable = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        try:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            os.write(writable, b"yes" if running(writer.pid) else b"no")
        finally:
            os._exit(0)
    os.close(writable)
    with os.fdopen(readable, "rb") as answer:
        said = answer.read()
    os.waitpid(child, 0)
    assert said == b"yes"

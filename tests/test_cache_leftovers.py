"""The temporary files of killed parse-cache writers: removed when their process is gone or they
are a day old, kept while their writer may still be at work."""

import os
import time
from collections.abc import Callable
from pathlib import Path

from conftest import article_fields

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


def test_a_running_writers_file_goes_only_once_a_day_old(
        seeds_dir: Path, write_seed: Callable[..., Path], tmp_path: Path) -> None:
    """A file of a running process (another machine's, on a shared disk) goes after one day."""
    write_seed("a.md", **article_fields(1))
    me = os.getpid()
    assert leftovers_after_a_save(seeds_dir, tmp_path / "cache", {
        f"{me}-old": DAY + 30, f"{me}-young": DAY - 30}) == {f"{me}-young"}


def test_a_file_without_a_process_id_spares_none_of_the_others(
        seeds_dir: Path, write_seed: Callable[..., Path], tmp_path: Path) -> None:
    """Files whose name holds no process id are left, and every dead writer's file still goes."""
    write_seed("a.md", **article_fields(1))
    odd = {f"x{n}-abc": 0.0 for n in range(6)}
    dead = {f"{2**22 + n}-abc": 0.0 for n in range(6)}  # above any pid Linux gives by default
    assert leftovers_after_a_save(seeds_dir, tmp_path / "cache", odd | dead) == set(odd)

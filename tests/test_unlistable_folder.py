"""A folder the system will not let a walk list (here: its path is longer than PATH_MAX) is
a problem /healthz names; the processes that follow the watcher try it again and go on."""

import fcntl
import os
import time
from pathlib import Path

from conftest import article_fields, seed_text

from feeds.view.changes import _BEAT, EVENTS
from feeds.view.corpus import Corpus

DEPTH = 17  # folders of 242 characters: past the 4096 bytes of a path the system takes


def unlistable(seeds_dir: Path) -> Path:
    """A chain of folders whose deepest cannot be listed; the top of the chain."""
    top = seeds_dir / ("00" + "d" * 240)
    folder = os.open(seeds_dir, os.O_RDONLY)
    for depth in range(DEPTH):
        name = f"{depth:02d}" + "d" * 240
        os.mkdir(name, dir_fd=folder)
        deeper = os.open(name, os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = deeper
    os.close(folder)
    return top


def test_a_follower_beside_a_folder_it_cannot_list_still_follows_every_change(
        seeds_dir: Path) -> None:
    """Retrying the folder it cannot list fails no reload of a process that follows the
    watcher: the seeds named beside it are published, and /healthz names only the folder."""
    (seeds_dir / "first.md").write_text(seed_text(**article_fields(1, title="First")))
    unlistable(seeds_dir)
    corpus = Corpus(seeds_dir, reload_seconds=1, watch=False)
    assert corpus._ring is not None
    ballot = os.open(f"/proc/self/fd/{corpus._ring._file}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(ballot, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another process watches
        _BEAT.pack_into(corpus._ring._map, 8, time.monotonic_ns(), 4242, EVENTS)
        corpus.snapshot(watching=False)
        problem, = corpus.problems
        assert problem.endswith("/: is a folder that cannot be listed: File name too long")
        (seeds_dir / "second.md").write_text(seed_text(**article_fields(2, title="Second")))
        corpus._ring.append(["second.md"])
        corpus.tick()  # the folder is tried again too
        corpus.tick()
        assert corpus.current is not None
        assert {a.title for a in corpus.current.site.articles} == {"First", "Second"}
        assert (corpus.problems, corpus.last_error, corpus.reload_failures) == (
            (problem,), None, 0)
    finally:
        os.close(ballot)

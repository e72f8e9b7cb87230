"""bench/scale.py's probe tells the workers apart and sees a change in each; no timing judged."""

import math
import os
import sys
import time
from pathlib import Path

from conftest import article_fields
from servers import serve_process

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from scale_parts import pss_mb, tree  # noqa: E402
from scale_probe import (  # noqa: E402
    Server,
    look,
    probe_seed,
    restore,
    seconds_until_all,
    write_atomically,
)


def test_every_worker_is_told_apart_and_shows_a_seed_added_then_deleted(write_seed, seeds_dir):
    write_seed("one.md", **article_fields(1))
    env = {"FEEDS_SEEDS_DIR": str(seeds_dir), "FEEDS_RELOAD_SECONDS": "0.5"}
    with serve_process(env, 2) as (base, process):
        server = Server(base, process.pid, 2)
        word = "scaletestword"
        seen = {look(server, word) for _ in range(40)}
        assert {there for _, there in seen} == {False}  # the self link's q=word is not the item
        workers = {pid for pid, _ in seen}
        assert len(workers) == 2 and workers <= set(tree(process.pid)) - {process.pid}
        write_atomically(seeds_dir / "probe.md", probe_seed(0, word))
        assert not math.isinf(seconds_until_all(server, word, True, time.perf_counter()))
        assert all(there for _, there in (look(server, word) for _ in range(10)))
        (seeds_dir / "probe.md").unlink()
        assert not math.isinf(seconds_until_all(server, word, False, time.perf_counter()))
        assert pss_mb(process.pid) > 0


def test_restore_puts_back_the_bytes_and_the_mtime(tmp_path):
    path = tmp_path / "seed.md"
    path.write_bytes(b"---\ntitle: before\n---\n")
    os.utime(path, ns=(1_600_000_000_000_000_000,) * 2)
    originals = {path: (path.read_bytes(), path.stat().st_mtime_ns)}
    write_atomically(path, "edited")
    restore(originals)
    assert path.read_bytes() == b"---\ntitle: before\n---\n"
    assert path.stat().st_mtime_ns == 1_600_000_000_000_000_000
    assert [p.name for p in tmp_path.iterdir()] == ["seed.md"]

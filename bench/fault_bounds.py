"""What the guards of issue 19 cost, side by side in one run, over a synthetic corpus.

- reading seeds: the guarded read (`read_bounded`: no blocking, a regular-file check on the
  open file, a cap) against a plain open-fstat-read of the same files;
- a warm restart's cache check: loading the parse cache with every article checked field by
  field, against unpickling the same file with no check;
- walking the folder: `seed_files` (stat keys of size, mtime, ctime and inode).

    .venv/bin/python bench/fault_bounds.py [--size 50000] [--runs 5]
"""

import argparse
import os
import pickle
import statistics
import tempfile
import time
from pathlib import Path

from common import corpus, table

from feeds.ingest.files import read_bounded
from feeds.ingest.scan import seed_files
from feeds.ingest.seed import MAX_SEED_BYTES
from feeds.view.cache import ParseCache
from feeds.view.corpus import Corpus


def plain_read(path: Path) -> bytes:
    """The read before the guards: open (blocking), fstat, read."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        return file.read(min(size, MAX_SEED_BYTES) + 1)


def best(runs: int, work) -> float:
    """The median seconds of runs calls of work."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    seeds = corpus(args.size)
    paths = sorted((seeds / "_news").iterdir())
    with tempfile.TemporaryDirectory() as cache_dir:
        corpus_ = Corpus(seeds, reload_seconds=0, cache_dir=cache_dir)
        corpus_.snapshot(watching=False)
        corpus_.save_cache(force=True)
        cache = ParseCache(cache_dir, corpus_.seeds_dir)
        rows = [["work", "unguarded s", "guarded s", "guarded / unguarded"]]
        for name, unguarded, guarded in [
            (f"read {len(paths):,} seed files",
             lambda: [plain_read(p) for p in paths],
             lambda: [read_bounded(p, MAX_SEED_BYTES) for p in paths]),
            (f"load the parse cache of {args.size:,} seeds",
             lambda: pickle.loads(cache.path.read_bytes()),
             cache.load),
        ]:
            a, b = best(args.runs, unguarded), best(args.runs, guarded)
            rows.append([name, f"{a:.3f}", f"{b:.3f}", f"{b / a:.2f}"])
        walk = best(args.runs, lambda: seed_files(seeds))
        rows.append([f"walk {args.size:,} seeds (stat keys with ctime, inode)", "",
                     f"{walk:.3f}", ""])
    print(table(rows))


if __name__ == "__main__":
    main()

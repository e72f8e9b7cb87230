"""Cold start and warm restart against Hugo building the same feeds, side by side in one run.

For each size: Hugo builds the RSS feeds of the corpus with a `topics` taxonomy
(bench/hugo/hugo.toml); Seed Feeds starts (one worker, empty CACHE_DIR) until /feed.rss
answers 200; then restarts over the same seeds with the parse cache it wrote. Each figure is the
median of --runs runs, taken in turn so that the machine's noise falls on all alike.

    .venv/bin/python bench/startup.py [--sizes 10000 50000] [--runs 3]
"""

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import BENCH, corpus, seconds_until_200, start_server, stop, sync_disks, table


def hugo_seconds(seeds: Path) -> float:
    """Seconds Hugo takes to build the feeds of seeds into a fresh folder."""
    with tempfile.TemporaryDirectory() as out:
        sync_disks()
        started = time.perf_counter()
        subprocess.run(["hugo", "--quiet", "--source", str(BENCH / "hugo"), "--contentDir",
                        str(seeds / "_news"), "--destination", out, "--cacheDir",
                        str(Path(out) / ".cache")], check=True, capture_output=True)
        return time.perf_counter() - started


def start_seconds(seeds: Path, cache_dir: Path) -> float:
    """Seconds from launching gunicorn to the first 200 of /feed.rss.

    The server is stopped once its parse cache is on disk (a worker writes it in the
    background after the first load), as a server that ran for a while would have done.
    """
    sync_disks()
    started = time.perf_counter()
    process, base = start_server({"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_CACHE_DIR": str(cache_dir)})
    try:
        seconds = seconds_until_200(f"{base}/feed.rss", started)
        deadline = time.monotonic() + 60
        while not list(cache_dir.glob("parse-cache-*.pickle")) and time.monotonic() < deadline:
            time.sleep(0.1)
        return seconds
    finally:
        stop(process)


def measure(size: int, runs: int) -> list[str]:
    seeds = corpus(size)
    hugo, cold, warm = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            hugo.append(hugo_seconds(seeds))
            cold.append(start_seconds(seeds, Path(cache)))
            warm.append(start_seconds(seeds, Path(cache)))
            shutil.rmtree(cache, ignore_errors=True)
    h, c, w = (statistics.median(values) for values in (hugo, cold, warm))
    return [f"{size:,}", f"{h:.2f}", f"{c:.2f}", f"{c / h:.2f}", f"{w:.2f}", f"{w / c:.2f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = [["seeds", "Hugo build s", "cold start s", "cold / Hugo", "warm restart s",
             "warm / cold"]]
    rows += [measure(size, args.runs) for size in args.sizes]
    print(table(rows))


if __name__ == "__main__":
    main()

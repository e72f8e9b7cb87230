"""Resident memory of a worker at each corpus size, and per article.

Starts the production configuration with one worker over each synthetic corpus, requests every
feed of the site once (so the document cache holds them), then reads the worker's and the
master's VmRSS and Pss (the worker's share of pages it still shares with the master).

    .venv/bin/python bench/memory.py [--sizes 1000 10000 50000]
"""

import argparse
import json
import time
import urllib.request
from pathlib import Path

from common import corpus, seconds_until_200, start_server, stop, table


def kilobytes(pid: int, field: str, source: str = "status") -> int:
    for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure(size: int) -> tuple[int, int, int, int]:
    """(seeds, master RSS, worker RSS, worker PSS), in KiB."""
    process, base = start_server({"FEEDS_SEEDS_DIR": str(corpus(size))}, 1)
    try:
        seconds_until_200(f"{base}/feed.rss", time.perf_counter())
        health = json.loads(urllib.request.urlopen(f"{base}/healthz").read())
        for path in ["/", "/opml.xml", "/feed.rss", "/feed.atom", "/feed.json"]:
            urllib.request.urlopen(base + path).read()
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
        worker = int(children.split()[0])
        rss, pss = kilobytes(worker, "VmRSS"), kilobytes(worker, "Pss", "smaps_rollup")
        master = kilobytes(process.pid, "VmRSS")
    finally:
        stop(process)
    return health["seeds"], master, rss, pss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    args = parser.parse_args()
    rows = [["seeds", "master RSS MB", "worker RSS MB", "worker PSS MB",
             "worker KB a seed above the smallest"]]
    results = [measure(size) for size in args.sizes]
    base_seeds, _, base_rss, _ = results[0]
    for seeds, master, rss, pss in results:
        slope = (rss - base_rss) / (seeds - base_seeds) if seeds > base_seeds else 0
        rows.append([f"{seeds:,}", f"{master / 1024:.0f}", f"{rss / 1024:.0f}",
                     f"{pss / 1024:.0f}", f"{slope:.2f}" if slope else ""])
    print(table(rows))


if __name__ == "__main__":
    main()

"""Memory of the whole server at each corpus size, and per article.

Starts `serve` (the production settings, 2 workers) over each synthetic corpus, requests every
feed of the site once from each worker (so their document caches hold them), then reads
VmRSS and Pss (each process's share of the pages it shares with the others) of the launcher
and of every worker. The total PSS is what the server costs the machine.

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


def measure(size: int) -> tuple[int, int, int, int, int, int]:
    """(seeds, launcher RSS, launcher PSS, worker RSS, worker PSS, total PSS), in KiB; the
    worker figures are the larger of the two workers'."""
    process, base = start_server({"FEEDS_SEEDS_DIR": str(corpus(size))}, 2)
    try:
        seconds_until_200(f"{base}/feed.rss", time.perf_counter())
        health = json.loads(urllib.request.urlopen(f"{base}/healthz").read())
        for _ in range(4):  # new connections: both workers get some
            for path in ["/", "/opml.xml", "/feed.rss", "/feed.atom", "/feed.json"]:
                urllib.request.urlopen(base + path).read()
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
        workers = [int(pid) for pid in children.split()]
        rss = max(kilobytes(pid, "VmRSS") for pid in workers)
        pss = max(kilobytes(pid, "Pss", "smaps_rollup") for pid in workers)
        launcher_pss = kilobytes(process.pid, "Pss", "smaps_rollup")
        total = launcher_pss + sum(kilobytes(pid, "Pss", "smaps_rollup") for pid in workers)
        launcher = kilobytes(process.pid, "VmRSS")
    finally:
        stop(process)
    return health["seeds"], launcher, launcher_pss, rss, pss, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    args = parser.parse_args()
    rows = [["seeds", "launcher RSS MB", "launcher PSS MB", "worker RSS MB", "worker PSS MB",
             "whole server PSS MB", "server KB a seed above the smallest"]]
    results = [measure(size) for size in args.sizes]
    base_seeds, *_, base_total = results[0]
    for seeds, launcher, launcher_pss, rss, pss, total in results:
        slope = (total - base_total) / (seeds - base_seeds) if seeds > base_seeds else 0
        rows.append([f"{seeds:,}", *(f"{kib / 1024:.0f}" for kib in (launcher, launcher_pss,
                                                                    rss, pss, total)),
                     f"{slope:.2f}" if slope else ""])
    print(table(rows))


if __name__ == "__main__":
    main()

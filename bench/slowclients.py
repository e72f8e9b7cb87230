"""A normal request's latency while slow and idle clients hold connections, full size.

For each server (`serve` with its production settings, and the former gunicorn configuration
for comparison): a normal GET /feed.rss on a fresh connection, --requests times, first with
nobody else connected, then beside 256 connections trickling one header line a second, then
beside 1,500 idle connections, then both at once. A request that takes over --timeout
seconds counts as failed.

    .venv/bin/python bench/slowclients.py [--servers serve gunicorn] [--requests 20]
"""

import argparse
import statistics
import sys
import time
from contextlib import ExitStack

from common import corpus, seconds_until_200, stop, table  # puts tests/ on the path
from throughput import start

# isort: split
from abuse import idle_connections, seconds_to_answer, trickling_connections

SCENARIOS = {
    "alone": (0, 0),
    "256 trickling": (256, 0),
    "1,500 idle": (0, 1500),
    "256 trickling + 1,500 idle": (256, 1500),
}


def latencies(url: str, requests: int, timeout: float) -> tuple[list[float], int]:
    """(seconds of each answered request, failures) for requests fresh GETs of url."""
    answered, failed = [], 0
    for _ in range(requests):
        try:
            answered.append(seconds_to_answer(url, timeout))
        except OSError:
            failed += 1
        time.sleep(0.05)
    return answered, failed


def measure(server: str, requests: int, timeout: float) -> list[list[str]]:
    """Rows for one server: every scenario's median and worst latency and its failures."""
    process, base = start(server, corpus(1000))
    rows = []
    try:
        seconds_until_200(f"{base}/feed.rss", time.perf_counter())
        for name, (trickling, idle) in SCENARIOS.items():
            with ExitStack() as stack:
                stats = stack.enter_context(trickling_connections(base, trickling)) if (
                    trickling) else {"cut": 0}
                if idle:
                    stack.enter_context(idle_connections(base, idle))
                time.sleep(6)  # past the header timeout: trickling connections are cut
                answered, failed = latencies(f"{base}/feed.rss", requests, timeout)
            median = f"{statistics.median(answered) * 1000:.1f}" if answered else "-"
            worst = f"{max(answered) * 1000:.1f}" if answered else "-"
            rows.append([server, name, median, worst, str(failed), str(stats["cut"])])
    finally:
        stop(process)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", nargs="+", default=["serve", "gunicorn"])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    rows = [["server", "other clients", "median ms", "worst ms", "failed",
             "trickling connections cut"]]
    for server in args.servers:
        rows += measure(server, args.requests, args.timeout)
    print(table(rows))


if __name__ == "__main__":
    sys.exit(main())

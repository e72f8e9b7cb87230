"""The JSON news API at scale: first answers and repeats, beside JSON Feed pages of as many items.

The real server (`flask --app wsgi serve`, 2 workers) over the synthetic corpus of --size seeds
(50,000 by default). In one run, alternating: the first answer of --pages distinct pages of
`/api/news/...` (site pages, topic pages, made-to-measure listings), each beside the first
answer of a JSON Feed page of the same 25 articles never asked before; then repeats of both.
Latency is the wall time of one GET on a fresh connection, read to the end.

    .venv/bin/python bench/news_api.py [--size 50000] [--pages 40]
"""

import argparse
import time
from statistics import median

from common import corpus, milliseconds, seconds_until_200, start_server, stop, table

QUERIES = ["", "?sort=heat", "?q=power", "?min_heat=50", "?sort=quality&since=520w"]
TOPICS = ["power-apps", "canvas-apps", "portals", "model-driven-apps", "teams-integration"]



def pairs(count: int) -> list[tuple[str, str]]:
    """(API page, JSON Feed page of the same section, page and query) pairs, all distinct."""
    found = []
    for n in range(count):
        page, query = n // 10 + 2, QUERIES[n % len(QUERIES)]
        topic = TOPICS[n % len(TOPICS)] if n % 2 else ""
        api = f"/api/news/{topic + '/' if topic else ''}page/{page}/index.json{query}"
        feed = f"/topics/{topic}.json" if topic else "/feed.json"
        extra = f"&{query[1:]}" if query else ""
        found.append((api, f"{feed}?limit=25&page={page}{extra}"))
    return found


def row(name: str, values: list[float]) -> list[str]:
    """A table row: median and 90th percentile."""
    return [name, f"{median(values):.1f}", f"{sorted(values)[len(values) * 9 // 10]:.1f}",
            str(len(values))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    process, base = start_server({"FEEDS_SEEDS_DIR": str(corpus(args.size))}, 2)
    try:
        seconds_until_200(f"{base}/feed.rss", time.perf_counter())
        time.sleep(5)  # each worker's reloader builds its index once it starts
        urls = pairs(args.pages)
        first_api, first_feed = [], []
        for api, feed in urls:
            first_api.append(milliseconds(base + api))
            first_feed.append(milliseconds(base + feed))
        repeat_api, repeat_feed = [], []
        for _ in range(args.repeats):
            for api, feed in urls:
                repeat_api.append(milliseconds(base + api))
                repeat_feed.append(milliseconds(base + feed))
    finally:
        stop(process)
    print(table([
        ["request (25 articles)", "median ms", "90th percentile ms", "requests"],
        row("first answer of an API page", first_api),
        row("first answer of a JSON Feed page, alongside", first_feed),
        row("repeat of an API page", repeat_api),
        row("repeat of a JSON Feed page, alongside", repeat_feed),
    ]))


if __name__ == "__main__":
    main()

"""Feeds made to measure at scale: the first answer of filtered and digest feeds, repeats, and
what the per-snapshot index costs.

Two parts, over the synthetic corpus of --size seeds (50,000 by default):

1. In this process: the time and the memory (tracemalloc) to build the snapshot's index.
2. The real server (`flask --app wsgi serve`, 2 workers) over the same seeds: the first answer
   of each of --queries distinct made-to-measure feeds (filters, orders and digests chosen at
   random from the corpus's slugs and words), beside as many first answers of unfiltered pages
   (a new `limit` each: the cost of rendering alone); then repeats of those, side by side with
   repeats of the unfiltered /feed.rss, in one run. Latency is the wall time of one GET on a fresh
   connection, as a reader polling once would see it.

    .venv/bin/python bench/made_to_measure.py [--size 50000] [--queries 60]
"""

import argparse
import gc
import random
import time
import tracemalloc
from statistics import median

from common import corpus, milliseconds, seconds_until_200, start_server, stop, table

from feeds.view.corpus import Corpus
from feeds.view.index import Index
from feeds.view.snapshot import Snapshot


def index_cost(snapshot: Snapshot) -> tuple[float, float, float]:
    """(seconds to build, MiB it holds by tracemalloc, MiB of its arrays alone)."""
    gc.collect()
    started = time.perf_counter()
    Index(snapshot)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = Index(snapshot)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return seconds, held / 2**20, index.nbytes() / 2**20


def queries(snapshot: Snapshot, count: int, rng: random.Random) -> list[str]:
    """count distinct made-to-measure feed URLs (path and query) over the snapshot."""
    topics, providers = list(snapshot.topics), list(snapshot.providers)
    vocabulary = sorted({w for a in snapshot.site.articles[:2000] for w in a.words.split()
                         if len(w) > 4})
    makers = [
        lambda: f"/feed.rss?topics={','.join(rng.sample(topics, 2))}",
        lambda: f"/feed.atom?providers={rng.choice(providers)}&sort=heat",
        lambda: f"/feed.json?q={rng.choice(vocabulary)}",
        lambda: f"/feed.rss?q={rng.choice(vocabulary)}+-{rng.choice(vocabulary)}"
                f"&exclude_topics={rng.choice(topics)}",
        lambda: f"/topics/{rng.choice(topics)}.rss?min_quality={rng.randrange(30, 90)}",
        lambda: f"/feed.atom?min_heat={rng.randrange(30, 90)}&sort=quality",
        lambda: f"/feed.rss?since={rng.randrange(2, 200)}w",
        lambda: f"/feed.rss?digest=weekly&top={rng.randrange(3, 20)}",
        lambda: f"/feed.atom?digest=daily&min_quality={rng.randrange(10, 60)}",
        lambda: f"/providers/{rng.choice(providers)}.rss?digest=weekly&q={rng.choice(vocabulary)}",
    ]
    urls: list[str] = []
    while len(urls) < count:
        url = makers[len(urls) % len(makers)]()
        if url not in urls:
            urls.append(url)
    return urls


def first_and_repeats(base: str, urls: list[str],
                      repeats: int) -> tuple[list[float], list[float], list[float], list[float]]:
    """Milliseconds of the first answers of urls and of as many unfiltered pages, then of
    repeats of urls beside repeats of /feed.rss."""
    first = [milliseconds(base + url) for url in urls]
    formats = ("rss", "atom", "json")  # unfiltered pages never asked before: rendering alone
    unfiltered = [milliseconds(f"{base}/feed.{formats[n % 3]}?limit={40 + n}")
                  for n in range(len(urls))]
    repeat, plain = [], []
    for _ in range(repeats):
        for url in urls:
            repeat.append(milliseconds(base + url))
            plain.append(milliseconds(f"{base}/feed.rss"))
    return first, unfiltered, repeat, plain


def row(name: str, times: list[float]) -> list[str]:
    """A row of the table: name, median, 90th percentile, count."""
    return [name, f"{median(times):.1f}", f"{sorted(times)[len(times) * 9 // 10]:.1f}",
            str(len(times))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    folder = corpus(args.size)
    snapshot = Corpus(folder, reload_seconds=0, log_invalid=False).snapshot()
    seconds, held, arrays = index_cost(snapshot)
    urls = queries(snapshot, args.queries, random.Random(7))
    process, base = start_server({"FEEDS_SEEDS_DIR": str(folder)}, 2)
    try:
        seconds_until_200(f"{base}/feed.rss", time.perf_counter())
        time.sleep(2 * seconds + 1)  # each worker's reloader builds its index once it starts
        first, unfiltered, repeat, plain = first_and_repeats(base, urls, args.repeats)
    finally:
        stop(process)
    listed = len(snapshot.site.articles)
    print(f"{args.size:,} seeds, {listed:,} listed; index built in {seconds * 1000:.0f} ms, "
          f"holding {held:.1f} MiB ({arrays:.1f} MiB of it in position arrays)\n")
    print(table([
        ["request", "median ms", "90th percentile ms", "requests"],
        row("first answer of a made-to-measure feed", first),
        row("first answer of an unfiltered page (a new limit), alongside", unfiltered),
        row("repeat of a made-to-measure feed", repeat),
        row("repeat of /feed.rss, alongside", plain),
    ]))
    print(f"\nrepeat / unfiltered repeat: {median(repeat) / median(plain):.2f}")


if __name__ == "__main__":
    main()

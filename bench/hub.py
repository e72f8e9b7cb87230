"""The hub of its own at scale: 1,000 subscriptions over 200 distinct queries at 50,000 seeds.

Starts `flask --app wsgi serve` (2 workers, FEEDS_RELOAD_SECONDS=1, WEBSUB_HUB=self) over the
synthetic corpus, subscribes --subscriptions real callbacks on loopback (10 callback hosts,
127.0.0.2 to 127.0.0.11, each subscription verified by the hub) to --queries distinct
made-to-measure feeds, then adds one seed and measures the time from writing it to the first
and the last delivery. Meanwhile CLIENTS threads poll the server (standard and made-to-measure
feeds); the same load runs first with no delivery pending, and last on a server with no hub
for as long after a change of its seeds (the cost of the reload alone), side by side.

    flock /tmp/bench.lock .venv/bin/python bench/hub.py [--size 50000]
"""

import argparse
import random
import shutil
import sqlite3
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import median

from common import corpus, seconds_until_200, start_server, stop, table
from made_to_measure import queries

from feeds.settings import Settings
from feeds.view.corpus import Corpus
from feeds.web.topics import read_topic

BASE_URL = "http://feeds.bench"
HOSTS = [f"127.0.0.{n}" for n in range(2, 12)]
CLIENTS = 4


class Callbacks:
    """Callback servers on several loopback addresses: confirm, and time every delivery."""

    def __init__(self) -> None:
        self.deliveries: list[float] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                body = query.get("hub.challenge", "").encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.deliveries.append(time.perf_counter())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.servers = [ThreadingHTTPServer((host, 0), Handler) for host in HOSTS]
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def url(self, n: int) -> str:
        server = self.servers[n % len(self.servers)]
        return f"http://{server.server_address[0]}:{server.server_port}/cb/{n}"


def distinct_queries(snapshot, count: int) -> list[str]:
    """count distinct made-to-measure feeds, drawn as bench/made_to_measure.py draws them
    (a few kinds have fewer than count/10 spellings, so draw until enough are distinct)."""
    found: dict[str, None] = {}  # canonical spellings: two may name one query
    settings = Settings.of({"BASE_URL": BASE_URL})
    for seed in range(1000):
        for url in queries(snapshot, 10, random.Random(seed)):
            found[read_topic(BASE_URL + url, snapshot, settings).url(BASE_URL)] = None
        if len(found) >= count:
            break
    return [url.removeprefix(BASE_URL) for url in list(found)[:count]]


def subscribe(base: str, callback: str, topic: str) -> None:
    data = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.callback": callback,
                                   "hub.topic": topic}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{base}/websub", data=data),
                                timeout=30) as response:
        assert response.status == 202


def load(base: str, paths: list[str], stop_at: threading.Event, times: list[float]) -> None:
    """GET paths in turn until stop_at; the milliseconds of each answer."""
    rng = random.Random()
    while not stop_at.is_set():
        started = time.perf_counter()
        with urllib.request.urlopen(base + rng.choice(paths), timeout=60) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)


def under_load(base: str, paths: list[str], until) -> tuple[list[float], float]:
    """Run CLIENTS pollers until until() is true: (answer times, seconds it ran)."""
    stop_at, times = threading.Event(), []
    threads = [threading.Thread(target=load, args=(base, paths, stop_at, times))
               for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    until()
    stop_at.set()
    for thread in threads:
        thread.join()
    return times, time.perf_counter() - started


def row(name: str, times: list[float], seconds: float) -> list[str]:
    ordered = sorted(times)
    return [name, f"{len(times) / seconds:.0f}", f"{median(times):.1f}",
            f"{ordered[len(ordered) * 9 // 10]:.1f}", f"{ordered[-1]:.0f}"]


def reload_alone(folder: Path, extra: Path, paths: list[str],
                 seconds: float) -> tuple[list[float], float]:
    """The same load for seconds after a seed change, on a server with no hub."""
    process, base = start_server({"FEEDS_SEEDS_DIR": str(folder), "FEEDS_RELOAD_SECONDS": "1",
                                  "FEEDS_BASE_URL": BASE_URL}, 2)
    try:
        seconds_until_200(f"{base}/feed.rss", time.perf_counter())
        time.sleep(10)  # as the hub's run: its workers are settled
        (extra / "other.md").write_text((extra / "new.md").read_text().replace(
            "https://bench.example/hub/", "https://bench.example/hub/other-"))
        return under_load(base, paths, lambda: time.sleep(seconds))
    finally:
        stop(process)


@dataclass
class HubRun:
    """What the run with the hub measured."""

    subscribed: float  # seconds until every subscription was verified
    distinct: int  # distinct topics subscribed to
    paths: list[str]  # what the clients poll
    quiet: tuple[list[float], float]  # (answer times, seconds) with no delivery pending
    busy: tuple[list[float], float]  # the same, from the change to the last delivery (+5 s)
    changed_at: float  # when the new seed was written


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--subscriptions", type=int, default=1000)
    return parser.parse_args()


def subscribe_all(base: str, callbacks: Callbacks, topics: list[str], count: int,
                  state: Path) -> tuple[float, int]:
    """Subscribe count callbacks to topics in turn and wait until the hub verified them all:
    (seconds it took, distinct topics)."""
    started = time.perf_counter()
    for n in range(count):
        subscribe(base, callbacks.url(n), topics[n % len(topics)])
    database = sqlite3.connect(state / "websub.sqlite3")
    while database.execute("SELECT count(*), count(DISTINCT topic) FROM subscriptions"
                           ).fetchone() != (count, database.execute(
                               "SELECT count(*) FROM topics").fetchone()[0]):
        assert time.perf_counter() - started < 600, "the subscriptions were not verified"
        time.sleep(0.1)
    subscribed = time.perf_counter() - started
    return subscribed, database.execute("SELECT count(*) FROM topics").fetchone()[0]


def write_new_seed(extra: Path, snapshot) -> float:
    """One new seed in extra, in the largest topic and provider: when it was written."""
    top_topic = max(snapshot.topics.values(), key=lambda s: len(s.articles))
    top_provider = max(snapshot.providers.values(), key=lambda s: len(s.articles))
    extra.mkdir(exist_ok=True)
    words = " ".join(a.title for a in snapshot.site.articles[:3])
    changed_at = time.perf_counter()
    (extra / "new.md").write_text(
        f"---\ntitle: \"{words}\"\nexcerpt: \"{words}\"\n"
        f"publishedDateTime: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n"
        f"originalUrl: https://bench.example/hub/{time.time_ns()}\nheat: 99\nquality: 99\n"
        f"topics: [\"{top_topic.name}\"]\nprovider: {{name: \"{top_provider.name}\", "
        f"domain: \"{top_provider.slug}\"}}\n---\n")
    return changed_at


def settled(callbacks: Callbacks, changed_at: float) -> None:
    """Wait until no delivery came for 5 s after the last one."""
    while not callbacks.deliveries or time.perf_counter() - max(
            callbacks.deliveries[-1], changed_at) < 5:
        assert time.perf_counter() - changed_at < 300, "no delivery came"
        time.sleep(0.1)


def with_hub(args: argparse.Namespace, folder: Path, snapshot, topics: list[str],
             callbacks: Callbacks, extra: Path) -> HubRun:
    """The server with the hub of its own: subscribe, poll with no delivery pending, write a
    new seed in extra and poll until its deliveries are over."""
    state = Path(tempfile.mkdtemp(prefix="seed-feeds-hub-bench-"))
    process, base = start_server({
        "FEEDS_SEEDS_DIR": str(folder), "FEEDS_RELOAD_SECONDS": "1", "FEEDS_BASE_URL": BASE_URL,
        "FEEDS_WEBSUB_HUB": "self", "FEEDS_STATE_DIR": str(state),
        "FEEDS_HUB_ALLOW_PRIVATE": "1", "FEEDS_HUB_MAX_PER_HOST": str(args.subscriptions)}, 2)
    try:
        seconds_until_200(f"{base}/feed.rss", time.perf_counter())
        subscribed, distinct = subscribe_all(base, callbacks, topics, args.subscriptions, state)
        paths = ["/feed.rss", "/topics/" + next(iter(snapshot.topics)) + ".atom",
                 *(topic.removeprefix(BASE_URL) for topic in topics[:20])]
        quiet = under_load(base, paths, lambda: time.sleep(10))
        changed_at = write_new_seed(extra, snapshot)
        busy = under_load(base, paths, lambda: settled(callbacks, changed_at))
    finally:
        stop(process)
        shutil.rmtree(state, ignore_errors=True)
    return HubRun(subscribed, distinct, paths, quiet, busy, changed_at)


def report(args: argparse.Namespace, callbacks: Callbacks, run: HubRun,
           plain: tuple[list[float], float]) -> None:
    """Print what was measured: the deliveries, then the load in each of the three runs."""
    owed = len(callbacks.deliveries)
    print(f"{args.size:,} seeds; {args.subscriptions:,} subscriptions over {run.distinct} "
          f"distinct queries, verified in {run.subscribed:.1f} s; one new seed (RELOAD_SECONDS=1) "
          f"changed the documents of {owed} subscriptions: first delivery "
          f"{callbacks.deliveries[0] - run.changed_at:.2f} s after the write, last "
          f"{callbacks.deliveries[-1] - run.changed_at:.2f} s\n")
    print(table([["requests by 4 clients", "per second", "median ms", "90th pct ms", "max ms"],
                 row("no delivery pending", *run.quiet),
                 row("from the change to the last delivery (+5 s)", *run.busy),
                 row("the same length after a change, no hub (the reload alone)", *plain)]))


def main() -> None:
    args = parse_args()
    folder = corpus(args.size)
    snapshot = Corpus(folder, reload_seconds=0, log_invalid=False).snapshot()
    topics = [BASE_URL + url for url in distinct_queries(snapshot, args.queries)]
    extra = folder / "hub-bench"
    callbacks = Callbacks()
    run = with_hub(args, folder, snapshot, topics, callbacks, extra)
    try:
        plain = reload_alone(folder, extra, run.paths, run.busy[1])
    finally:
        shutil.rmtree(extra, ignore_errors=True)
    report(args, callbacks, run, plain)


if __name__ == "__main__":
    main()

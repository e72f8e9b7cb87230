"""What an old feed URL costs a polling reader: the same document under the old URL (what the
server does), or a 301 to the canonical URL and then the canonical request (what it could do).

One keep-alive connection polls like a reader, with its ETag (a 304 each time, as nearly every
poll is) and without (a first fetch, gzip). The 301 here is the server's own redirect of a
non-canonical slug spelling, the same cost a redirecting alias would have.

    flock /tmp/bench.lock .venv/bin/python bench/old_urls.py [SEEDS_DIR]
"""

import http.client
import statistics
import sys
import time
from urllib.parse import urlsplit

from common import REPO, seconds_until_200, start_server, stop

POLLS = 2000
WAYS = {  # how a reader's poll reaches the topic feed
    "canonical URL": ["/topics/{slug}.rss"],
    "old URL, same document": ["/topics/{slug}/feed/"],
    "old URL, 301 then canonical": ["/topics/{upper}.rss", "/topics/{slug}.rss"],
}


def poll(connection: http.client.HTTPConnection, paths: list[str], headers: dict) -> int:
    """One poll: each request of the way in turn; the bytes received."""
    received = 0
    for path in paths:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        received += len(body) + sum(len(k) + len(v) + 4 for k, v in response.getheaders())
    return received


def measure(base: str, paths: list[str], conditional: bool) -> tuple[float, float, int]:
    """(median ms, 99th percentile ms, bytes) of POLLS polls on one connection."""
    host = urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port)
    headers = {"Accept-Encoding": "gzip"}
    if conditional:
        connection.request("GET", paths[-1], headers=headers)
        response = connection.getresponse()
        response.read()
        headers["If-None-Match"] = response.getheader("ETag")
    times, received = [], 0
    for _ in range(POLLS):
        started = time.perf_counter()
        received = poll(connection, paths, headers)
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return statistics.median(times), statistics.quantiles(times, n=100)[98], received


def main() -> None:
    seeds = sys.argv[1] if len(sys.argv) > 1 else str(REPO / "seeds")
    slug = "canvas-apps" if "corpus" in seeds else "open-source"
    process, base = start_server({"FEEDS_SEEDS_DIR": seeds, "FEEDS_BASE_URL": ""})
    try:
        seconds_until_200(f"{base}/healthz", time.perf_counter())
        print(f"{seeds}: topic {slug}, {POLLS} polls on one keep-alive connection, gzip")
        print("| way | conditional (304): median, p99 | first fetch (200): median, p99 | bytes "
              "of a 304 poll | bytes of a 200 poll |")
        print("| --- | --- | --- | --- | --- |")
        for way, templates in WAYS.items():
            paths = [t.format(slug=slug, upper=slug.title()) for t in templates]
            c_median, c_p99, c_bytes = measure(base, paths, conditional=True)
            f_median, f_p99, f_bytes = measure(base, paths, conditional=False)
            print(f"| {way} | {c_median:.2f} ms, {c_p99:.2f} ms | {f_median:.2f} ms, "
                  f"{f_p99:.2f} ms | {c_bytes} | {f_bytes} |")
    finally:
        stop(process)


if __name__ == "__main__":
    main()

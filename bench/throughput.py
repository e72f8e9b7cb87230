"""Requests a second for a cached 50-item feed, against nginx serving the same bytes statically.

Side by side in one run, with `wrk -t2 -c32 -d10s` on loopback: Seed Feeds under each of
--configs answering the cached /feed.rss, and a conditional GET answered 304; then nginx
serving the same bytes as a static file, measured right after each, for --rounds rounds.
Figures are medians over the rounds, ratios taken round by round. With --sizes 1000 50000,
also the app's figures at both corpus sizes, to show that a request's cost does not grow with
the number of seeds.

    .venv/bin/python bench/throughput.py [--sizes 1000] [--seconds 10] [--rounds 3]
        [--configs "serve" "serve --workers 1" "gunicorn"]

A config is "serve ARGS" (`flask --app wsgi serve` with extra arguments), or "gunicorn ARGS":
the former production configuration (gthread, 2 workers x 4 threads, preload) with extra
gunicorn arguments (`pip install -e '.[bench]'` first).
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path
from statistics import median

from common import REPO, corpus, free_port, seconds_until_200, start_server, stop, table
from servers import nginx


def wrk(url: str, seconds: int, *headers: str) -> float:
    """Requests a second that wrk -t2 -c32 reaches on url."""
    return wrk_run(url, seconds, *headers)[0]


def wrk_run(url: str, seconds: int, *headers: str) -> tuple[float, str]:
    """(requests a second, mean latency as wrk prints it) for wrk -t2 -c32 on url."""
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", *[a for h in headers for a in ("-H", h)], url]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed responses")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, re.search(r"Latency\s+(\S+)", output).group(1)


@contextmanager
def nginx_serving(body: bytes, tmp: Path):
    """nginx serving body at /feed.rss from a static file; yields the base URL."""
    root = tmp / "static"
    root.mkdir(mode=0o755)
    tmp.chmod(0o755)
    (root / "feed.rss").write_bytes(body)
    port = free_port()
    server = (f"server {{ listen 127.0.0.1:{port}; root {root}; sendfile on;"
              " keepalive_requests 100000; default_type application/rss+xml; }")
    with nginx(server, tmp / "nginx"):
        base = f"http://127.0.0.1:{port}"
        seconds_until_200(f"{base}/feed.rss", time.perf_counter())
        yield base


GUNICORN = ["-k", "gthread", "--workers", "2", "--threads", "4", "--preload",
            "--keep-alive", "5", "--no-control-socket"]


def start(config: str, seeds: Path) -> tuple[subprocess.Popen, str]:
    """The app under `serve ARGS`, or under the former gunicorn configuration."""
    env = {"FEEDS_SEEDS_DIR": str(seeds)}
    server, *args = shlex.split(config)
    if server == "serve":
        return start_server(env, 2, *args)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{port}",
               *args, "wsgi:app"]
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


def measure_app(config: str, seeds: Path, seconds: int) -> tuple[float, str, float, bytes]:
    """(GET req/s, mean latency, 304 req/s, body) for /feed.rss served under config."""
    process, base = start(config, seeds)
    try:
        url = f"{base}/feed.rss"
        seconds_until_200(url, time.perf_counter())
        with urllib.request.urlopen(url) as response:
            body, etag = response.read(), response.headers["ETag"]
        wrk(url, 2)  # warm every worker's caches
        get, latency = wrk_run(url, seconds)
        return get, latency, wrk(url, seconds, f"If-None-Match: {etag}"), body
    finally:
        stop(process)


def measure_size(size: int, configs: list[str], seconds: int, rounds: int) -> list[list[str]]:
    """Table rows for one corpus size: each config against nginx measured right after it, in
    every round, reported as medians (the machine's noise comes and goes within a run)."""
    seeds = corpus(size)
    runs: dict[str, list[tuple[float, str, float, float]]] = {config: [] for config in configs}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        static = None
        for _ in range(rounds):
            for config in configs:
                get, latency, not_modified, body = measure_app(config, seeds, seconds)
                if static is None:
                    static = stack.enter_context(nginx_serving(body, Path(tmp)))
                reference = wrk(f"{static}/feed.rss", seconds)
                runs[config].append((get, latency, not_modified, reference))
    references = [run[3] for config_runs in runs.values() for run in config_runs]
    rows = [[f"{size:,}", "nginx, static file", f"{median(references):,.0f}", "", "1.00", "",
             "", ""]]
    for config, config_runs in runs.items():
        ratios = [get / reference for get, _, _, reference in config_runs]
        middle = sorted(config_runs)[len(config_runs) // 2]  # the run with the median rate
        rows.append([f"{size:,}", config, f"{middle[0]:,.0f}", middle[1], f"{median(ratios):.2f}",
                     f"{median(run[2] for run in config_runs):,.0f}",
                     f"{median(nm / ref for _, _, nm, ref in config_runs):.2f}",
                     " ".join(f"{ratio:.2f}" for ratio in ratios)])
    print(f"{size:,} seeds: body {len(body):,} bytes, 50 items", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--configs", nargs="+", default=["serve", "gunicorn"])
    args = parser.parse_args()
    rows = [["seeds", "server", "GET /feed.rss req/s", "mean latency", "vs nginx", "304 req/s",
             "vs nginx", "GET vs nginx, each round"]]
    for size in args.sizes:
        rows += measure_size(size, args.configs, args.seconds, args.rounds)
    print(table(rows))


if __name__ == "__main__":
    main()

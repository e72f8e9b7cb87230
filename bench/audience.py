"""What observing requests (audience counts, metrics) costs a request: side by side, the same
server with and without it.

1. In one process: microseconds a WSGI call of a cached /feed.rss takes through the fast path,
   plain and observed (FEEDS_STATE_DIR and FEEDS_STATS_TOKEN set), in alternating rounds.
2. The production server (2 workers): requests a second for a cached GET /feed.rss and a 304,
   plain, observed, and observed with every request from another client (its own
   User-Agent: nothing to take together), with a keep-alive load generator (wrk -t2 -c32
   when installed, else PROCESSES Python processes with one connection each), in
   alternating rounds, ratios taken round by round; then whether every request was counted
   (feeds_requests_total) and the workers' memory.

    flock /tmp/bench.lock .venv/bin/python bench/audience.py [--seconds 5] [--rounds 3]
"""

import argparse
import io
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import median

from common import REPO, corpus, seconds_until_200, start_server, stop, table

sys.path.insert(0, str(REPO))
PROCESSES = 4
TOKEN = "bench"


def wsgi_microseconds(config: dict, calls: int) -> float:
    """Median microseconds a fast-path WSGI call of /feed.rss takes under config."""
    from feeds import create_app

    app = create_app({"SEEDS_DIR": str(corpus(1000)), **config})
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/feed.rss", "QUERY_STRING": "",
               "SERVER_NAME": "bench", "SERVER_PORT": "80", "HTTP_HOST": "bench",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
               "REMOTE_ADDR": "192.0.2.1", "HTTP_USER_AGENT": "Newsboat/2.36 (Linux x86_64)"}

    def start_response(status, headers, exc_info=None):
        return None

    for _ in range(100):  # the first call renders; the rest are fast-path hits
        b"".join(app.wsgi_app(dict(environ), start_response))
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(calls):
            b"".join(app.wsgi_app(dict(environ), start_response))
        samples.append((time.perf_counter() - started) / calls * 1e6)
        time.sleep(1.2)  # let the observer's thread drain, as between bursts of polls
    return median(samples)


def hammer(port: int, request: bytes, seconds: float, results, distinct: bool) -> None:
    """Send request over one keep-alive connection for seconds (each time from another
    client, by its User-Agent, when distinct); put the answers counted."""
    connection = socket.create_connection(("127.0.0.1", port))
    done, deadline, buffer = 0, time.monotonic() + seconds, b""
    me = f"{os.getpid()}-".encode()
    while time.monotonic() < deadline:
        connection.sendall(request.replace(b"Newsboat/2.36", b"Newsboat/2.36 " + me + str(
            done).encode()) if distinct else request)
        while True:
            head, _, rest = buffer.partition(b"\r\n\r\n")
            if _:
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                if len(rest) >= length:
                    buffer = rest[length:]
                    break
            buffer += connection.recv(262144)
        done += 1
    connection.close()
    results.put(done)


def rate(port: int, seconds: float, *headers: str, distinct: bool = False) -> float:
    """Requests a second on /feed.rss: wrk when installed (and not distinct), else Python
    processes."""
    if shutil.which("wrk") and not distinct:
        from throughput import wrk

        return wrk(f"http://127.0.0.1:{port}/feed.rss", max(1, int(seconds)), *headers)
    request = ("GET /feed.rss HTTP/1.1\r\nHost: bench\r\nUser-Agent: Newsboat/2.36\r\n"
               + "".join(f"{h}\r\n" for h in headers) + "\r\n").encode()
    results: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=hammer,
                                       args=(port, request, seconds, results, distinct))
               for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    total = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def serve_rates(env: dict, seconds: float,
                distinct: bool = False) -> tuple[float, float, float, str, float]:
    """(GET req/s, 304 req/s, requests the metrics counted / requests sent, workers' RSS,
    the workers' CPU µs a request over both runs, their threads included)."""
    process, base = start_server({"FEEDS_SEEDS_DIR": str(corpus(1000)), **env})
    try:
        seconds_until_200(f"{base}/feed.rss", time.perf_counter())
        with urllib.request.urlopen(f"{base}/feed.rss") as response:
            etag = response.headers["ETag"]
        port = int(base.rsplit(":", 1)[1])
        warm = rate(port, 1)
        cpu = _cpu(process.pid)
        get = rate(port, seconds, distinct=distinct)
        not_modified = rate(port, seconds, f"If-None-Match: {etag}", distinct=distinct)
        time.sleep(1)  # the observers' last drain
        cpu = (_cpu(process.pid) - cpu) / ((get + not_modified) * seconds) * 1e6
        sent = 2 + warm + (get + not_modified) * seconds
        counted = _counted(base) / sent if env else 0.0
        return get, not_modified, counted, _rss(process.pid), cpu
    finally:
        stop(process)


def _counted(base: str) -> int:
    """Requests /feed.rss the metrics counted, once the workers' threads have drained."""
    time.sleep(2)
    request = urllib.request.Request(f"{base}/metrics",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request) as response:
        text = response.read().decode()
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith('feeds_requests_total{format="rss",route="feed"')))


def _cpu(pid: int) -> float:
    """CPU seconds the server's workers (children of pid) have used."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    ticks = 0
    for child in children.split():
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _rss(pid: int) -> str:
    """The resident memory of the server's workers (children of pid), in MiB."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    sizes = []
    for child in children.split():
        status = Path(f"/proc/{child}/status").read_text()
        sizes.append(int(next(line.split()[1] for line in status.splitlines()
                              if line.startswith("VmRSS"))) / 1024)
    return " + ".join(f"{size:.0f}" for size in sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        observed = {"STATE_DIR": f"{tmp}/state", "STATS_TOKEN": TOKEN}
        micro = {"plain": [], "observed": []}
        for _ in range(args.rounds):
            micro["plain"].append(wsgi_microseconds({}, args.calls))
            micro["observed"].append(wsgi_microseconds(observed, args.calls))
        names = ("plain", "observed", "observed, every request another client")
        runs: dict[str, list] = {name: [] for name in names}
        env = {"FEEDS_STATE_DIR": f"{tmp}/serve-state", "FEEDS_STATS_TOKEN": TOKEN}
        for _ in range(args.rounds):
            runs[names[0]].append(serve_rates({}, args.seconds))
            runs[names[1]].append(serve_rates(env, args.seconds))
            runs[names[2]].append(serve_rates(env, args.seconds, distinct=True))
    rows = [["server", "µs a fast-path call", "GET /feed.rss req/s", "vs plain", "304 req/s",
             "vs plain", "workers' CPU µs a request", "counted / sent", "workers' RSS MiB"]]
    for name in names:
        get = [run[0] / plain[0] for run, plain in zip(runs[name], runs[names[0]], strict=True)]
        nm = [run[1] / plain[1] for run, plain in zip(runs[name], runs[names[0]], strict=True)]
        counted = median(run[2] for run in runs[name])
        rows.append([name, f"{median(micro.get(name, [0])):.1f}" if name in micro else "",
                     f"{median(run[0] for run in runs[name]):,.0f}", f"{median(get):.2f}",
                     f"{median(run[1] for run in runs[name]):,.0f}", f"{median(nm):.2f}",
                     f"{median(run[4] for run in runs[name]):.1f}",
                     f"{counted:.3f}" if counted else "", runs[name][-1][3]])
    print(table(rows))


if __name__ == "__main__":
    main()

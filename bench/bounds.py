"""What one client (or one odd seed) can make a server cost, and the bounds that hold it (issue 19).

Each part starts the real server (`flask --app wsgi serve`, 1 worker) on loopback:

- form: pages over 1,000 seeds with a topic and a provider each, and over 3 seeds whose
  topic names are 32,000 characters long: the bytes of a page, the time of a first answer;
- digest: `?digest=weekly&top=50&limit=500` over --size seeds: status, bytes, time;
- slow: 60 clients that ask for the largest document a request may have and never read it:
  the worker's growth and the connections still open after 15 s, directly and through
  deploy/nginx.conf;
- fastpath: 40 changes of the seeds, each followed by 24 requests (4 of them new): the
  worker's growth;
- cache: 1,000 distinct documents (every `limit` of two feeds): the worker's growth, with a
  document cache of 1 MiB and of 64 MiB (the difference is what the cache holds);
- export: two `flask --app wsgi export` loops at once over the real corpus while a reader
  polls the live tree: missing reads, failed exports, files of the last tree.

    .venv/bin/python bench/bounds.py [--size 50000] [--only form digest slow ...]
"""

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import REPO, corpus, free_port, table
from servers import deploy_conf, nginx, serve_process, stalled_clients

CORPUS = Path(os.environ.get("FEEDS_TEST_CORPUS")
              or REPO.parent / "shared" / "corpus" / "powerapps")
TMP = Path(tempfile.gettempdir())


def get(url: str, headers: dict | None = None) -> tuple[int, bytes, float]:
    """(status, body, seconds) of one GET on a fresh connection."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                    timeout=120) as response:
            return response.status, response.read(), time.perf_counter() - started
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(), time.perf_counter() - started


def worker_kib(main: subprocess.Popen, field: str = "VmRSS") -> int:
    """The field (VmRSS, or Pss from smaps_rollup) of the server's one worker, in KiB."""
    pid = int(Path(f"/proc/{main.pid}/task/{main.pid}/children").read_text().split()[0])
    source = "smaps_rollup" if field == "Pss" else "status"
    line = next(x for x in Path(f"/proc/{pid}/{source}").read_text().splitlines()
                if x.startswith(field + ":"))
    return int(line.split()[1])


def seed(path: Path, n: int, topic: str, provider: str) -> None:
    """A published seed numbered n with one topic and one provider."""
    path.write_text(f'---\ntitle: "Article {n}"\nexcerpt: "About {n}."\n'
                    f"publishedDateTime: 2024-01-{n % 28 + 1:02d}T08:00:00Z\n"
                    f'originalUrl: "https://bounds.example/{n}"\n'
                    f'topics: ["{topic}"]\nprovider: {{name: "{provider}", domain: '
                    f"p{n}.example}}\n---\n")


def form_corpora() -> tuple[Path, Path]:
    """(1,000 seeds with a topic and a provider each, 3 seeds with 32,000-character names)."""
    many, long = TMP / "seed-feeds-bounds-many", TMP / "seed-feeds-bounds-long"
    for folder in (many, long):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    for n in range(1000):
        seed(many / f"{n}.md", n, f"Topic number {n} of many", f"Provider number {n}")
    for n, letter in enumerate("abc"):
        seed(long / f"{n}.md", n, letter + "語" * 32000, "Provider")
    return many, long


def form() -> list[list[str]]:
    many, long = form_corpora()
    rows = [["seeds", "page", "bytes", "first answer ms (median of 10)"]]
    for folder, label, page in ((many, "1,000 topics", "/topics/topic-number-7-of-many"),
                                (long, "3 topics of 32,000 characters", "/topics/a")):
        with serve_process({"FEEDS_SEEDS_DIR": str(folder)}, 1) as (base, _):
            for path in ("/", page):
                status, body, _ = get(base + path)
                times = [get(f"{base}{path}?since={n}w")[2] for n in range(1, 11)]
                rows.append([label, path, f"{len(body):,}",
                             f"{statistics.median(times) * 1000:.0f}"])
    return rows


def digest(size: int) -> list[list[str]]:
    rows = [["request", "status", "bytes", "ms"]]
    with serve_process({"FEEDS_SEEDS_DIR": str(corpus(size))}, 1) as (base, _):
        for query in ("digest=weekly&top=50&limit=500", "digest=daily&top=50&limit=500",
                      "digest=weekly&top=50", "digest=weekly&top=50&limit=10", "limit=500"):
            status, body, seconds = get(f"{base}/feed.rss?{query}")
            rows.append([f"/feed.rss?{query}", str(status), f"{len(body):,}",
                         f"{seconds * 1000:.0f}"])
    return rows


def largest(base: str) -> str:
    """The path of the largest document a request may have, of a few candidates."""
    candidates = ["/feed.rss?digest=weekly&top=50&limit=500", "/feed.json?limit=500",
                  "/feed.rss?limit=500", "/feed.json?digest=weekly&top=50&limit=10"]
    sizes = {path: len(body) for path in candidates
             for status, body, _ in [get(base + path)] if status == 200}
    return max(sizes, key=sizes.__getitem__)


def established(port: int) -> int:
    """Established TCP connections whose local port is port."""
    output = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
                            capture_output=True, text=True, check=True).stdout
    return len(output.splitlines())


def slow(size: int) -> list[list[str]]:
    rows = [["served by", "document", "bytes", "worker growth MB", "open after 15 s"]]
    env = {"FEEDS_SEEDS_DIR": str(corpus(size)), "FEEDS_TRUST_PROXY": "1"}
    with tempfile.TemporaryDirectory() as tmp, serve_process(env, 1) as (app, main):
        Path(tmp).chmod(0o755)
        port = free_port()
        path = largest(app)
        body = get(app + path)[1]
        with nginx(deploy_conf(port, [app, app], Path(tmp) / "cache"), Path(tmp) / "nginx"):
            time.sleep(1)
            for label, base in (("granian directly", app),
                                ("deploy/nginx.conf", f"http://127.0.0.1:{port}")):
                before = worker_kib(main)
                sockets = stalled_clients(base, path, 60, "bounds.test")
                time.sleep(15)
                grown = (worker_kib(main) - before) / 1024
                still = established(int(base.rsplit(":", 1)[1]))
                for sock in sockets:
                    sock.close()
                rows.append([label, path, f"{len(body):,}", f"{grown:.0f}", str(still)])
                time.sleep(2)
    return rows


FAST_PATHS = ["/feed.rss", "/feed.atom", "/feed.json", "/", "/opml.xml",
              "/feed.rss?limit=200", "/feed.json?limit=300", "/feed.atom?limit=100",
              "/feed.rss?limit=500", "/feed.json?limit=500"]


def fastpath(size: int) -> list[list[str]]:
    folder = TMP / "seed-feeds-bounds-fastpath"
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(["cp", "-al", str(corpus(size)), str(folder)], check=True)
    (folder / "extra").mkdir()
    env = {"FEEDS_SEEDS_DIR": str(folder), "FEEDS_RELOAD_SECONDS": "1"}
    with serve_process(env, 1) as (base, main):
        start = None
        for change in range(41):
            seeds = int(get(base + "/healthz")[1].split(b'"seeds":')[1].split(b",")[0])
            seed(folder / "extra" / f"{change}.md", 100_000 + change, "Extra", "Extra")
            while int(get(base + "/healthz")[1].split(b'"seeds":')[1].split(b",")[0]) == seeds:
                time.sleep(0.2)
            # The same 20 requests each time, and 2 that only this snapshot sees.
            for path in [*FAST_PATHS, f"/feed.rss?limit={10 + change}",
                         f"/feed.json?limit={10 + change}"]:
                for headers in ({}, {"Accept-Encoding": "gzip"}):
                    get(base + path, headers)
            if start is None:
                start = worker_kib(main, "Pss"), worker_kib(main)
        end = worker_kib(main, "Pss"), worker_kib(main)
    shutil.rmtree(folder)
    return [["changes", "worker PSS growth MB", "worker RSS growth MB"],
            ["40", f"{(end[0] - start[0]) / 1024:.0f}", f"{(end[1] - start[1]) / 1024:.0f}"]]


def cache(size: int) -> list[list[str]]:
    rows = [["DOCUMENT_CACHE_MB", "documents", "gzip bytes served MB", "worker growth MB"]]
    for budget in ("1", "64"):
        env = {"FEEDS_SEEDS_DIR": str(corpus(size)), "FEEDS_DOCUMENT_CACHE_MB": budget}
        with serve_process(env, 1) as (base, main):
            get(base + "/feed.rss")
            before = worker_kib(main)
            served = 0
            for limit in range(1, 501):
                for fmt in ("rss", "json"):
                    served += len(get(f"{base}/feed.{fmt}?limit={limit}",
                                      {"Accept-Encoding": "gzip"})[1])
            after = worker_kib(main)
        rows.append([budget, "1,000", f"{served / 2**20:.0f}", f"{(after - before) / 1024:.0f}"])
    return rows


def export_loop(outdir: Path, base_url: str, runs: int, failures: list) -> None:
    """Export runs times with base_url; note each failed run."""
    env = {**os.environ, "FEEDS_SEEDS_DIR": str(CORPUS)}
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "export",
                               str(outdir), "--base-url", base_url], cwd=REPO, env=env,
                              capture_output=True, text=True)
        if done.returncode:
            failures.append(done.stderr.strip().splitlines()[-1:])


def export() -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        outdir = Path(tmp) / "site"
        failures: list = []
        loops = [threading.Thread(target=export_loop, args=(outdir, url, 6, failures))
                 for url in ("https://a.test", "https://b.test")]
        for loop in loops:
            loop.start()
        reads = missing = 0
        while any(loop.is_alive() for loop in loops):
            for name in ("index.html", "feed.rss", "opml.xml"):
                reads += 1
                try:
                    (outdir / name).read_bytes()
                except OSError:
                    missing += 1 if os.path.lexists(outdir) else 0
        files = sum(1 for p in outdir.rglob("*") if p.is_file())
    return [["exports", "failed", "reads", "missing", "files in the last tree"],
            ["12", str(len(failures)), f"{reads:,}", f"{missing:,}", str(files)]]


PARTS = {"form": lambda size: form(), "digest": digest, "slow": slow, "fastpath": fastpath,
         "cache": cache, "export": lambda size: export()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    args = parser.parse_args()
    for name in args.only:
        print(f"\n{name}:\n{table(PARTS[name](args.size))}", flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()

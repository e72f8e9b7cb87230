"""A large archive on one machine (issue 20): what costs grow with the changes, not the seeds.

For each size, over a `bench/generate.py` corpus made (once) under the system's temporary
folder, through the production server (`flask --app wsgi serve --workers W`), side by side:
the physical limit of a cold start (every seed read by `cat` in as many processes as cores,
page cache dropped) and the parse CPU of a seed; the cold start (empty CACHE_DIR, page cache
dropped) and the warm restart to the first 200 of /feed.rss; then on one fresh warm server
the first answer of three feeds, the CPU of the idle server, its whole PSS (every process of
the tree) before and after editing --pss-edits seeds one by one, and the time until a seed
added, edited or deleted is visible in every worker (bench/scale_probe.py); the same times
again with events unavailable (FEEDS_WATCH=off: the fallback walk); and Hugo building the
same feeds (sizes up to 100,000). The table goes into docs/benchmarks.md between
`<!-- scale:begin -->` and `<!-- scale:end -->`, and is printed.

Run as root (to drop the page cache), one benchmark at a time on the machine. Hugo is
Debian's package: `apt-get install hugo` (or --skip-hugo). The corpora and parse caches stay
under the temporary folder for the next run; the seeds edited are put back as they were.

    .venv/bin/python bench/scale.py [--sizes 100000 250000 1000000] [--edits 20]
        [--workers 2] [--skip-hugo] [--skip-cold] [--idle-seconds 60] [--pss-edits 100]
"""

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common import REPO, corpus, milliseconds, seconds_until_200, start_server, table
from scale_parts import (
    cat_seconds,
    drop_page_cache,
    idle_cpu_percent,
    machine,
    parse_microseconds,
    pss_mb,
    stop_tree,
)
from scale_probe import Server, add_edit_delete, edit_each, published_seeds, restore
from startup import hugo_seconds

HUGO_UP_TO = 100_000
START_LIMIT = 3600  # seconds a start may take (a cold million is bound by the disk)
CACHE_LIMIT = 600  # seconds a started server may take to write its parse cache
PAGE_SIZE = 50  # LIMIT's default: the items of a page when a request gives no limit
DOCS = REPO / "docs" / "benchmarks.md"
BEGIN, END = "<!-- scale:begin -->", "<!-- scale:end -->"


@contextmanager
def running(seeds: Path, cache: Path, workers: int, watch: bool = True) -> Iterator[Server]:
    """A `serve` over seeds with its parse cache in cache, up (its /healthz answers)."""
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_CACHE_DIR": str(cache)}
    process, base = start_server(env if watch else {**env, "FEEDS_WATCH": "off"}, workers)
    try:
        seconds_until_200(f"{base}/healthz", time.perf_counter(), START_LIMIT)
        yield Server(base, process.pid, workers)
    finally:
        stop_tree(process)


def cache_written(cache: Path) -> bool:
    """Whether cache holds a file and none being written (a hidden temporary file changed in
    the last 10 s; an older one was left by a writer stopped halfway)."""
    paths = list(cache.iterdir())
    writing = [p for p in paths if p.name.startswith(".") and time.time() - p.stat().st_mtime < 10]
    return any(not p.name.startswith(".") for p in paths) and not writing


def start_to_first_200(seeds: Path, cache: Path, workers: int) -> float:
    """Seconds from launching `serve` to the first 200 of /feed.rss; the server is stopped once
    its parse cache is on disk, as a server that ran a while would have left it."""
    started = time.perf_counter()
    env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_CACHE_DIR": str(cache)}
    process, base = start_server(env, workers)
    try:
        seconds = seconds_until_200(f"{base}/feed.rss", started, START_LIMIT)
        deadline = time.monotonic() + CACHE_LIMIT
        while time.monotonic() < deadline and not cache_written(cache):
            time.sleep(0.2)
        return seconds
    finally:
        stop_tree(process)


def starts(seeds: Path, cache: Path, args: argparse.Namespace) -> dict[str, str]:
    """The physical limit, the parse CPU, the cold start (unless skipped) and the warm
    restart."""
    figures = {}
    if not args.skip_cold:
        limit, method = cat_seconds(seeds)
        micro = parse_microseconds(seeds)
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir()
        drop_page_cache(seeds)
        figures["cold"] = f"{start_to_first_200(seeds, cache, args.workers):.1f}"
        bound = 1.5 * limit + len(os.listdir(seeds / "_news")) * micro / 1e6 / args.cpus
        figures |= {"cat": f"{limit:.1f} ({method})", "parse": f"{micro:.0f}",
                    "bound": f"{bound:.1f}"}
    elif not cache.is_dir() or not cache_written(cache):
        cache.mkdir(exist_ok=True)
        start_to_first_200(seeds, cache, args.workers)  # the warm restart needs a cache
    figures["warm"] = f"{start_to_first_200(seeds, cache, args.workers):.2f}"
    return figures


def first_answers(base: str) -> dict[str, str]:
    """Milliseconds of a fresh server's first /feed.rss, made-to-measure query, and last page
    of /feed.atom (from the count in /healthz)."""
    with urllib.request.urlopen(f"{base}/healthz") as response:
        articles = json.loads(response.read())["articles"]
    last = max(1, math.ceil(articles / PAGE_SIZE))
    paths = {"rss_ms": "/feed.rss", "heat_ms": "/feed.rss?q=power+apps&sort=heat",
             "last_ms": f"/feed.atom?page={last}"}
    return {key: f"{milliseconds(base + path):.0f}" for key, path in paths.items()}


def visible(times: dict[str, list[float]], suffix: str = "") -> dict[str, str]:
    """Median and worst seconds of each change."""
    def shown(seconds: float) -> str:
        return "not seen" if math.isinf(seconds) else f"{seconds:.2f}"
    return {kind + suffix: f"{shown(statistics.median(values))} / {shown(max(values))}"
            for kind, values in times.items()}


def live(seeds: Path, cache: Path, args: argparse.Namespace) -> dict[str, str]:
    """One fresh warm server: first answers, idle CPU, PSS around the edits, then the seeds
    added, edited and deleted; the edited seeds put back."""
    originals: dict = {}
    figures: dict[str, str] = {}
    try:
        with running(seeds, cache, args.workers) as server:
            figures |= first_answers(server.base)
            time.sleep(5)  # the start's own work done
            figures["idle"] = f"{idle_cpu_percent(server.master, args.idle_seconds):.1f}"
            figures["pss_start"] = f"{pss_mb(server.master):,.0f}"
            edits = edit_each(server, published_seeds(seeds, args.pss_edits), originals)
            seen = f", median {statistics.median(edits):.1f} s" if edits else ""
            figures["pss_edits"] = f"{pss_mb(server.master):,.0f} ({len(edits)} edits{seen})"
            figures |= visible(add_edit_delete(server, seeds / "scale-probe", args.edits))
    except RuntimeError as error:  # the server died under the edits: a figure of its own
        figures["failed"] = f"{error} after {len(originals)} edits"
    finally:
        restore(originals)
        print(figures, file=sys.stderr, flush=True)
    return figures


def measure(size: int, args: argparse.Namespace) -> dict[str, str]:
    """Every figure of one size, its servers stopped before the next size starts."""
    seeds = corpus(size)
    cache = Path(tempfile.gettempdir()) / f"seed-feeds-bench-{size}-cache"
    probes = seeds / "scale-probe"
    shutil.rmtree(probes, ignore_errors=True)
    probes.mkdir()
    try:
        figures = starts(seeds, cache, args)
        print(figures, file=sys.stderr, flush=True)
        figures |= live(seeds, cache, args)
        with running(seeds, cache, args.workers, watch=False) as server:
            try:
                figures |= visible(add_edit_delete(server, probes, args.edits), "_off")
            except RuntimeError as error:
                figures["failed"] = f"{figures.get('failed', '')} {error} (WATCH=off)".strip()
    finally:
        shutil.rmtree(probes, ignore_errors=True)
    if not args.skip_hugo and size <= HUGO_UP_TO:
        figures["hugo"] = f"{hugo_seconds(seeds):.1f}"
    return figures


FIGURES = [
    ("idle", "idle server: CPU over {idle} s with no change, % of a core", "≤ 1"),
    ("added", "a seed added: visible in every worker, median / worst of {edits}, s",
     "≤ 1 / ≤ 2"),
    ("edited", "a seed edited (renamed over): the same", "≤ 1 / ≤ 2"),
    ("deleted", "a seed deleted: the same", "≤ 1 / ≤ 2"),
    ("added_off", "with `WATCH=off` (the fallback walk): added", "documented"),
    ("edited_off", "with `WATCH=off`: edited", "documented"),
    ("deleted_off", "with `WATCH=off`: deleted", "documented"),
    ("warm", "warm restart (parse cache present) to the first 200 of /feed.rss, s", "≤ 5"),
    ("cold", "cold start (empty CACHE_DIR, page cache dropped) to the first 200, s",
     "≤ the bound below"),
    ("cat", "physical limit: the same files read by `cat`, {cpus} processes, cold, s", ""),
    ("parse", "parse CPU a seed (`read_one`, one process), µs", "145 today; halved"),
    ("bound", "1.5 × the limit + the parse CPU (seeds × µs / cores), s", ""),
    ("pss_start", "whole server PSS after start, MB", "≤ 1,500"),
    ("pss_edits", "whole server PSS after editing seeds one by one, MB", "≤ 1,500"),
    ("rss_ms", "first answer of /feed.rss, ms", "≤ 50"),
    ("heat_ms", "first answer of /feed.rss?q=power+apps&sort=heat, ms", "≤ 50"),
    ("last_ms", "first answer of the last page of /feed.atom, ms", "≤ 50"),
    ("failed", "what failed", "nothing"),
    ("hugo", "Hugo building the same seeds' feeds (bench/hugo), s", ""),
]


def report(results: dict[int, dict[str, str]], args: argparse.Namespace, measured: str) -> str:
    """The figures as a table, a column a size, with the machine and the date above."""
    rows = [["figure", *(f"{size:,} seeds" for size in results), "goal at 1,000,000"]]
    for key, label, goal in FIGURES:
        rows.append([label.format(idle=f"{args.idle_seconds:g}", edits=args.edits,
                                  cpus=args.cpus),
                     *(figures.get(key, "-") for figures in results.values()), goal])
    return f"Measured on {measured}; `--workers {args.workers}`.\n\n" + table(rows)


def write_docs(text: str) -> None:
    """Replace what docs/benchmarks.md holds between the markers (or append them)."""
    doc = DOCS.read_text()
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        doc = head + BEGIN + "\n" + text + "\n" + END + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip("\n") + f"\n\n## A large archive (issue 20)\n\n{BEGIN}\n{text}\n{END}\n"
    DOCS.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 250_000, 1_000_000])
    parser.add_argument("--edits", type=int, default=20,
                        help="seeds added, edited and deleted, each, for the visibility times")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-hugo", action="store_true")
    parser.add_argument("--skip-cold", action="store_true",
                        help="no cold start, physical limit nor parse CPU (a warm cache kept)")
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--pss-edits", type=int, default=100,
                        help="seeds edited one by one between the two PSS figures")
    args = parser.parse_args()
    args.cpus = os.cpu_count() or 1
    measured, results = machine(), {}
    for size in args.sizes:
        results[size] = measure(size, args)
        print(size, results[size], flush=True)
    text = report(results, args, measured)
    write_docs(text)
    print(text)


if __name__ == "__main__":
    main()

"""Bytes a seed costs in the view, field by field, and the parse CPU a seed costs.

Reads a synthetic corpus as a start does (`read_many`, on every core), keeps the results by
name with their stat keys as the corpus does, and measures the whole of it with tracemalloc;
then walks every article's fields and counts each object once (an object shared by several
articles or fields is counted where it is first met), for the breakdown. Then times
`read_one` over the first seeds in this one process (CPU time, the median of three runs).

    .venv/bin/python bench/article_memory.py [--size 50000 | --folder SEEDS] [--cpu-seeds 5000]
"""

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import corpus, table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feeds.ingest.reading import read_many, read_one  # noqa: E402
from feeds.ingest.scan import seed_files  # noqa: E402
from feeds.model import Article  # noqa: E402


def deep_size(value: Any, seen: set[int]) -> int:
    """The bytes of value and of everything it holds that is not in seen (then added to it)."""
    if id(value) in seen or value is None or type(value) is bool:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if type(value) is not str and isinstance(value, tuple | list):
        size += sum(deep_size(item, seen) for item in value)
    elif isinstance(value, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in value.items())
    return size


def breakdown(entries: dict[str, tuple[Any, Any]], listed_only: bool) -> Counter:
    """Bytes by field over the articles (the listed ones only, or every result), each object
    counted once; `name` and `stat key` are the corpus's entries around them."""
    seen: set[int] = set()
    sizes: Counter = Counter()
    now = datetime.now(UTC)
    for name, (key, result) in entries.items():
        listed = type(result) is Article and result.is_listed(now)
        if listed_only and not listed:
            continue
        sizes["name"] += deep_size(name, seen)
        sizes["stat key"] += deep_size(key, seen)
        sizes["entry tuple"] += sys.getsizeof((key, result))
        if type(result) is not Article:
            sizes["SeedError"] += deep_size(result, seen) + deep_size(vars(result), seen)
            continue
        seen.add(id(result))
        sizes["the tuple itself"] += sys.getsizeof(result)
        for field in Article._fields:
            sizes[field] += deep_size(getattr(result, field), seen)
    return sizes


def traced_bytes(root: Path) -> tuple[int, dict[str, tuple[Any, Any]]]:
    """The bytes the entries (results by name, with stat keys) hold, as tracemalloc sees them."""
    found = seed_files(root)
    names = sorted(found)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    results = read_many(root, names)
    entries = {name: (found[name], result) for name, result in zip(names, results, strict=True)}
    del results
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, entries


def parse_microseconds(root: Path, count: int) -> float:
    """CPU µs a seed of read_one, in this process, the median of three runs over count seeds."""
    names = sorted(seed_files(root))[:count]
    runs = []
    for _ in range(3):
        started = time.process_time()
        for name in names:
            read_one(root, name)
        runs.append((time.process_time() - started) / len(names) * 1e6)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--folder", type=Path, help="a seeds folder instead of a synthetic one")
    parser.add_argument("--cpu-seeds", type=int, default=5000)
    args = parser.parse_args()
    root = args.folder.resolve() if args.folder else corpus(args.size)
    total, entries = traced_bytes(root)
    now = datetime.now(UTC)
    listed = sum(1 for _, r in entries.values() if type(r) is Article and r.is_listed(now))
    every, shown = breakdown(entries, False), breakdown(entries, True)
    rows = [["part", "bytes a seed (all seeds)", "bytes a listed article (listed only)"]]
    for field, size in every.most_common():
        rows.append([field, f"{size / len(entries):.0f}", f"{shown[field] / max(listed, 1):.0f}"])
    rows.append(["sum of parts", f"{sum(every.values()) / len(entries):.0f}",
                 f"{sum(shown.values()) / max(listed, 1):.0f}"])
    print(f"{len(entries):,} seeds, {listed:,} listed; tracemalloc: {total / 1e6:.1f} MB, "
          f"{total / len(entries):.0f} bytes a seed")
    print(table(rows))
    print(f"parse CPU: {parse_microseconds(root, args.cpu_seeds):.1f} µs a seed (read_one, "
          f"one process, {args.cpu_seeds} seeds)")


if __name__ == "__main__":
    main()

"""What one changed seed costs the view: the update in place against the rebuild it replaced,
side by side in one process over a bench/generate.py corpus.

    .venv/bin/python bench/update_cost.py [--size 50000] [--edits 20]

For each of --edits seeds: the seed is edited (a new title), read again, and the view is
updated (sections spliced, the index derived); then the same view is built from scratch
(build_snapshot and a new Index), as every change did before. Medians in milliseconds.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import corpus, table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from feeds.ingest.reading import read_one  # noqa: E402
from feeds.view.corpus import Corpus  # noqa: E402
from feeds.view.index import Index  # noqa: E402
from feeds.view.snapshot import build_snapshot  # noqa: E402
from feeds.view.update import state_of, updated_view  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=50000)
    parser.add_argument("--edits", type=int, default=20)
    options = parser.parse_args()
    seeds = corpus(options.size)
    with tempfile.TemporaryDirectory() as cache:
        loaded = Corpus(seeds, reload_seconds=0, cache_dir=cache)
        loaded.snapshot(watching=False)
        loaded.save_cache(force=True)
        timings = measure(Corpus(seeds, reload_seconds=0, cache_dir=cache), options.edits)
    rows = [["step", "median ms", "worst ms"]]
    for name, values in timings.items():
        rows.append([name, f"{statistics.median(values):.1f}", f"{max(values):.1f}"])
    print(f"{options.size:,} seeds, {options.edits} edits\n")
    print(table(rows))


def measure(corpus: Corpus, edits: int) -> dict[str, list[float]]:
    """Time each step of an edit, in place and from scratch."""
    snapshot = corpus.snapshot(watching=False)
    entries = corpus._entries  # noqa: SLF001 (a benchmark looks inside)
    results = {name: result for name, (_, result) in entries.items()}
    snapshot.lookups.of(snapshot)
    state = state_of(list(results.values()), snapshot)
    root = corpus.seeds_dir
    names = [name for name, result in results.items() if hasattr(result, "topics")][:edits]
    timings: dict[str, list[float]] = {"read the seed": [], "update in place": [],
                                       "rebuild (snapshot + index)": []}
    for number, name in enumerate(names):
        path = root / name
        original = path.read_text()
        path.write_text(original.replace("title:", f"title: Edited {number}", 1))
        try:
            started = time.perf_counter()
            new = read_one(root, name)
            timings["read the seed"].append(_ms(started))
            now = datetime.now(UTC)
            started = time.perf_counter()
            snapshot, _ = updated_view(snapshot, state, [results[name]], [new],
                                       corpus.view.site_data, now)
            snapshot.lookups.of(snapshot)
            timings["update in place"].append(_ms(started))
            results[name] = new
            started = time.perf_counter()
            rebuilt = build_snapshot(list(results.values()), corpus.view.site_data,
                                     corpus.view.site_entry, now)
            Index(rebuilt)
            timings["rebuild (snapshot + index)"].append(_ms(started))
        finally:
            path.write_text(original)
    return timings


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()

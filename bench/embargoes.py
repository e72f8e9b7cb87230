"""Embargoes that end close together: the CPU a server spends publishing them, for this
checkout and, side by side in the same run, for another (an older commit's worktree).

    .venv/bin/python bench/embargoes.py [--size 50000] [--embargoes 80] [--other PATH]

Each server (2 workers, RELOAD_SECONDS 5) serves a copy of the synthetic corpus plus
`--embargoes` seeds whose embargoes end 0.25 s apart, starting 15 s after the start; the
figure is the CPU time of the whole server from 10 s before the first embargo ends to 10 s
after the last.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import REPO, corpus, free_port, seconds_until_200, table


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) of a process and its descendants so far."""
    total = 0.0
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    for child in children.stdout.split():
        total += tree_cpu(int(child))
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return total
    return total + (int(fields[11]) + int(fields[12])) / 100


def embargoed_seed(n: int, moment: datetime) -> str:
    return (f"---\ntitle: Embargoed {n}\npublishedDateTime: {moment.isoformat()}\n"
            f"originalUrl: https://embargo.example/{n}\ntopics: [Embargoes]\n---\n")


def measure(repo: Path, seeds: Path, embargoes: int) -> float:
    """CPU seconds of one server of repo's code while the embargoes end."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "seeds"
        shutil.copytree(seeds, copy, symlinks=True)
        first = datetime.now(UTC) + timedelta(seconds=40)
        for n in range(embargoes):
            moment = first + timedelta(seconds=0.25 * n)
            (copy / "_news" / f"embargo-{n}.md").write_text(embargoed_seed(n, moment))
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--bind",
             f"127.0.0.1:{port}", "--workers", "2"], cwd=repo,
            env={"FEEDS_SEEDS_DIR": str(copy), "PATH": "/usr/bin:/bin"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            seconds_until_200(f"http://127.0.0.1:{port}/feed.rss", time.perf_counter())
            time.sleep(max(0.0, (first - datetime.now(UTC)).total_seconds() - 10))
            before = tree_cpu(process.pid)
            time.sleep(10 + 0.25 * embargoes + 10)
            return tree_cpu(process.pid) - before
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--embargoes", type=int, default=80)
    parser.add_argument("--other", type=Path, help="another checkout to measure beside this")
    args = parser.parse_args()
    seeds = corpus(args.size)
    window = 20 + 0.25 * args.embargoes
    rows = [["code", "CPU s", "window s", "cores busy"]]
    for name, repo in [("this checkout", REPO), ("other", args.other)]:
        if repo is not None:
            cpu = measure(repo, seeds, args.embargoes)
            rows.append([name, f"{cpu:.1f}", f"{window:.0f}", f"{cpu / window:.2f}"])
    print(table(rows))


if __name__ == "__main__":
    main()

"""Load with churn: poll every feed while seeds are added, edited, half-written and deleted.

Starts `flask --app wsgi serve` (2 workers, FEEDS_RELOAD_SECONDS=1) over a copy of the real
corpus, runs CLIENTS polling threads and one churn thread for SECONDS, then reports the
answers by status, the 5xx count, and whether any worker died. Bounded in time; loopback only.

    .venv/bin/python bench/churn.py [--seconds 30] [--clients 8]
"""

import argparse
import collections
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from servers import serve_process  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "powerapps"
PATHS = ["/feed.rss", "/feed.atom", "/feed.json", "/topics/canvas-apps.rss",
         "/topics/power-apps.atom", "/providers/microsoft.com.json", "/topics/churn-topic.rss",
         "/", "/opml.xml",
         "/feed.atom?limit=20&page=3", "/topics/churn-topic", "/healthz"]


def seed(n: int, title: str) -> str:
    return (f"---\ntitle: \"{title}\"\npublishedDateTime: 2024-06-{1 + n % 28:02d}T10:00:00Z\n"
            f"originalUrl: \"https://churn.example/{n}\"\ntopics: [Churn topic]\n"
            f"provider: {{name: Churn, domain: churn.example}}\n---\n")


def poll(base: str, stop: threading.Event, counts: collections.Counter, lock: threading.Lock):
    """GET random paths until stop; count the statuses."""
    while not stop.is_set():
        try:
            with urllib.request.urlopen(base + random.choice(PATHS), timeout=10) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
        except OSError as error:
            status = f"error {type(error).__name__}"
        with lock:
            counts[status] += 1


def churn(seeds: Path, stop: threading.Event, actions: collections.Counter):
    """Add, edit, half-write and delete seeds until stop."""
    folder = seeds / "churn"
    folder.mkdir()
    n = 0
    while not stop.is_set():
        n += 1
        path = folder / f"seed-{n % 40}.md"
        action = random.choice(["add", "edit", "half", "delete"])
        if action == "delete":
            path.unlink(missing_ok=True)
        elif action == "half":
            text = seed(n, f"Half written {n}")
            with path.open("w") as file:
                file.write(text[: len(text) // 2])
                file.flush()
                time.sleep(0.05)
                file.write(text[len(text) // 2:])
        else:
            path.write_text(seed(n, f"{action.title()} {n} <b>&amp;</b>"))
        actions[action] += 1
        time.sleep(random.uniform(0.005, 0.05))


def worker_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        shutil.copytree(CORPUS / "_news", seeds / "_news")
        shutil.copytree(CORPUS / "_data", seeds / "_data")
        env = {"FEEDS_SEEDS_DIR": str(seeds), "FEEDS_RELOAD_SECONDS": "1"}
        with serve_process(env, 2) as (base, master_process):
            master = master_process.pid
            before = worker_pids(master)
            deadline = time.monotonic() + 30
            while len(before) < 2 and time.monotonic() < deadline:  # the second may fork later
                time.sleep(0.05)
                before = worker_pids(master)
            stop, lock = threading.Event(), threading.Lock()
            counts: collections.Counter = collections.Counter()
            actions: collections.Counter = collections.Counter()
            threads = [threading.Thread(target=poll, args=(base, stop, counts, lock))
                       for _ in range(args.clients)]
            threads.append(threading.Thread(target=churn, args=(seeds, stop, actions)))
            for thread in threads:
                thread.start()
            time.sleep(args.seconds)
            stop.set()
            for thread in threads:
                thread.join()
            after = worker_pids(master)
    failures = sum(v for k, v in counts.items() if not isinstance(k, int) or k >= 500)
    print(f"{sum(counts.values())} requests in {args.seconds:.0f} s from {args.clients} clients")
    print("answers:", dict(sorted(counts.items(), key=str)))
    print("churn:", dict(actions))
    print(f"5xx or failed: {failures}; workers {sorted(before)} -> {sorted(after)}"
          f" ({'none died' if before == after else 'a worker was replaced'})")
    sys.exit(1 if failures or before != after else 0)


if __name__ == "__main__":
    main()

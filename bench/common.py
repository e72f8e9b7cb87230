"""Helpers the benchmark scripts share: corpora, servers, timing."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(BENCH))

from generate import generate  # noqa: E402
from servers import free_port  # noqa: E402


def corpus(size: int) -> Path:
    """A synthetic corpus of size seeds, made once under the system's temporary folder."""
    folder = Path(tempfile.gettempdir()) / f"seed-feeds-bench-{size}"
    if not (folder / "_news").is_dir() or len(os.listdir(folder / "_news")) != size:
        shutil.rmtree(folder, ignore_errors=True)
        generate(folder, size)
    return folder


def sync_disks() -> None:
    """Write dirty pages out before each timed run, so that no run pays for another's writes
    (the page cache stays warm: every run reads from memory alike)."""
    os.sync()


def start_server(env: dict[str, str], workers: int = 2,
                 *extra: str) -> tuple[subprocess.Popen, str]:
    """`flask --app wsgi serve` (production settings); (process, base URL), not yet waited for."""
    port = free_port()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--bind",
               f"127.0.0.1:{port}", "--workers", str(workers), *extra]
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


def seconds_until_200(url: str, started: float, limit: float = 300) -> float:
    """Seconds from started until url answers 200, polling every 10 ms."""
    while time.perf_counter() - started < limit:
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.01)
    raise TimeoutError(url)


def milliseconds(url: str) -> float:
    """The wall time of one GET of url, read to the end, in milliseconds."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - started) * 1000


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def table(rows: list[list[str]]) -> str:
    """A Markdown table; the first row is the header."""
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)

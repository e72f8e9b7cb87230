"""Real servers for tests: gunicorn on a free loopback port, stopped when done."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 20) -> None:
    """Poll url until it answers, or fail after seconds."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 1, *extra: str):
    """A gunicorn master serving wsgi:app with FEEDS_* env; yields its base URL."""
    with gunicorn_process(env, workers, *extra) as (base, _):
        yield base


@contextmanager
def gunicorn_process(env: dict[str, str], workers: int = 1, *extra: str):
    """A gunicorn master serving wsgi:app with FEEDS_* env; yields (base URL, master process)."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--no-control-socket", "--log-level", "warning",
               *extra, "wsgi:app"]
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """GET url: (status, headers, body), with no exception for 4xx and 5xx."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()

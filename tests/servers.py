"""Real servers for tests: the production server and nginx on loopback, stopped when done."""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from werkzeug.datastructures import Headers

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
def serve(env: dict[str, str], workers: int = 1, *extra: str, user: str | None = None):
    """`flask --app wsgi serve` with FEEDS_* env on a free port (as user, when given); yields
    its base URL."""
    with serve_process(env, workers, *extra, user=user) as (base, _):
        yield base


def as_user(user: str, command: list[str]) -> list[str]:
    """command, run as the unprivileged user."""
    account = pwd.getpwnam(user)
    return ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
            "--clear-groups", *command]


@contextmanager
def serve_process(env: dict[str, str], workers: int = 1, *extra: str,
                  output: Path | None = None, user: str | None = None):
    """`flask --app wsgi serve` (the production server) with FEEDS_* env on a free loopback
    port; yields (base URL, its main process). output, when given, receives its log; user,
    when given, is the unprivileged user it runs as (so that file modes bind it, as in
    production, where root's would not)."""
    port = free_port()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "serve",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers), *extra]
    if user:
        command = as_user(user, command)
    log = output.open("wb") if output else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env}, stdout=log,
                               stderr=subprocess.STDOUT if output else None)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=40)
        if not isinstance(log, int):  # a file of ours, not subprocess.DEVNULL
            log.close()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Headers, bytes]:
    """GET url: (status, headers, body), with no exception for 4xx and 5xx. Header names are
    case-insensitive, as in HTTP (granian sends them in lowercase)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, Headers(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, Headers(error.headers.items()), error.read()


NGINX_MAIN = """
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    {body}
}}
"""


def deploy_conf(port: int, upstreams: list[str], cache_dir: Path,
                access_log: Path | None = None) -> str:
    """The repository's deploy/nginx.conf, listening on port, proxying to upstreams, writing
    its JSON access log to access_log (none when not given)."""
    conf = (REPO / "deploy" / "nginx.conf").read_text()
    for default, upstream in zip(["127.0.0.1:8001", "127.0.0.1:8002"], upstreams, strict=True):
        conf = conf.replace(default, upstream.removeprefix("http://"))
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    log = "/var/log/nginx/seed-feeds.json"
    assert log in conf
    conf = conf.replace(f"access_log {log} seed_feeds_json;", "access_log off;") \
        if access_log is None else conf.replace(log, str(access_log))
    return conf.replace("/var/cache/nginx/seed-feeds", str(cache_dir))


@contextmanager
def nginx(body: str, tmp: Path):
    """Debian's nginx with body inside its http block, its files in tmp; yields the process."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is not installed: run `bash .ci/setup`"
    tmp.mkdir(parents=True, exist_ok=True)
    tmp.chmod(0o777)  # nginx workers run as an unprivileged user
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_MAIN.format(tmp=tmp, body=body))
    process = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.PIPE)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)
        assert process.stderr is not None  # a pipe: stderr=PIPE
        process.stderr.close()


def stalled_clients(base: str, path: str, count: int,
                    host_header: str = "feeds.test") -> list[socket.socket]:
    """count connections that ask for path and never read a byte of the answer."""
    host, port = base.removeprefix("http://").split(":")
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((host, int(port)))
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\n\r\n".encode())
        sockets.append(sock)
    return sockets

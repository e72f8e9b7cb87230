"""`flask --app wsgi serve`: the production server, granian, over seeds read once, here.

granian has no preload: its workers are forked from the process that calls `serve()`. So this
command reads the seeds first, in this process (in parallel, before any server thread exists),
hands the parse cache to a short-lived child to write, and only then starts granian, whose
forked workers share what was read and start serving at once. Settings are the ones
bench/throughput.py and bench/slowclients.py chose (docs/benchmarks.md).
"""

import logging
import os
import resource
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

import click
from flask import Flask
from flask.cli import ScriptInfo, pass_script_info
from granian import Granian
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings

from .ingest.forking import forbid_forking, may_fork
from .text import is_port
from .view.corpus import Corpus
from .web.metrics_folder import metrics_folder

log = logging.getLogger(__name__)

DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 1
DEFAULT_BACKLOG = 4096
# Headers not finished in this many seconds are cut off; also the keep-alive idle timeout.
DEFAULT_HEADER_TIMEOUT = 5
MAX_HEADER_BYTES = 64 * 1024  # a request line and headers larger than this get a 431
KILL_TIMEOUT = 30  # seconds a worker has to finish its requests after SIGTERM
# A worker past this resident size is replaced (granian has no write timeout: without a proxy
# in front, answers that stalled readers never take pile up in it until then).
DEFAULT_MAX_RSS_MB = 1024
RSS_SAMPLE_SECONDS = 5  # how often granian looks at the workers' resident size
MAX_OPEN_FILES = 65536


@click.command("serve")
@click.option("--bind", envvar="BIND", default=DEFAULT_BIND, show_default=True,
              help="HOST:PORT to listen on, or unix:PATH for a unix socket [env BIND].")
@click.option("--workers", envvar="WEB_CONCURRENCY", type=click.IntRange(1, 64),
              default=DEFAULT_WORKERS, show_default=True,
              help="Worker processes [env WEB_CONCURRENCY].")
@click.option("--threads", envvar="THREADS", type=click.IntRange(1, 64),
              default=DEFAULT_THREADS, show_default=True,
              help="Python threads a worker answers requests with [env THREADS].")
@click.option("--backlog", envvar="BACKLOG", type=click.IntRange(128, 1_000_000),
              default=DEFAULT_BACKLOG, show_default=True,
              help="Connections the listening socket queues [env BACKLOG].")
@click.option("--header-timeout", envvar="HEADER_TIMEOUT", type=click.IntRange(1, 60),
              default=DEFAULT_HEADER_TIMEOUT, show_default=True,
              help="Seconds a client has to send its headers; also the keep-alive idle "
                   "timeout [env HEADER_TIMEOUT].")
@click.option("--max-rss", envvar="MAX_RSS", type=click.IntRange(0, 1_000_000),
              default=DEFAULT_MAX_RSS_MB, show_default=True,
              help="MiB of resident memory past which a worker is replaced, its connections "
                   f"cut within {KILL_TIMEOUT} s; 0: never [env MAX_RSS].")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Log every request.")
@pass_script_info
def serve_command(info: ScriptInfo, bind: str, workers: int, threads: int, backlog: int,
                  header_timeout: int, max_rss: int, access_log: bool) -> None:
    """Serve the seeds in production: granian, with the seeds read once before it starts."""
    app = info.load_app()
    address = _parse_bind(bind)
    state = app.extensions["feeds"]
    state.corpus.snapshot(watching=False)
    _write_cache_in_a_child(state.corpus)
    if state.hub is not None:
        state.hub.elect_one_process()
    _raise_open_file_limit()
    _warn_unless_connections_migrate(workers)
    server = Granian(
        "wsgi:app", interface=Interfaces.WSGI, workers=workers, blocking_threads=threads,
        http=HTTPModes.http1, backlog=backlog, backpressure=backlog,
        http1_settings=HTTP1Settings(header_read_timeout=header_timeout * 1000, keep_alive=True,
                                     max_buffer_size=MAX_HEADER_BYTES),
        respawn_failed_workers=True, respawn_interval=0.5, workers_kill_timeout=KILL_TIMEOUT,
        workers_max_rss=max_rss or None, rss_sample_interval=RSS_SAMPLE_SECONDS,
        log_access=access_log, **address)
    with metrics_folder():  # before the workers fork: they share their metric values there
        server.serve(target_loader=_worker_app(app), wrap_loader=False)


class _Address(TypedDict, total=False):
    """granian's arguments for where it listens: a Unix socket, or a host and a port."""

    uds: Path
    address: str
    port: int


def _parse_bind(bind: str) -> _Address:
    """granian's address arguments for HOST:PORT, [IPv6]:PORT or unix:PATH."""
    if bind.startswith("unix:"):
        return {"uds": Path(bind.removeprefix("unix:"))}
    host, _, port = bind.rpartition(":")
    if not host or not is_port(port):
        raise click.BadParameter("give HOST:PORT (127.0.0.1:8000) or unix:PATH", param_hint="bind")
    return {"address": host.strip("[]"), "port": int(port)}


def _write_cache_in_a_child(corpus: Corpus) -> None:
    """Write the parse cache from a forked child, so that serving starts at once; the child
    holds the same view, copied on write. Where forking is not safe (a thread runs), this
    process writes it, and serving starts after."""
    if not corpus.wants_saving():
        return
    if not may_fork():
        corpus.save_cache(force=True)
        return
    pid = os.fork()
    if pid == 0:  # the child forks again and exits, so that nobody has to wait for the writer
        if os.fork() == 0:
            try:
                corpus.save_cache(force=True)
            finally:
                os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)
    corpus.mark_saved()


def _raise_open_file_limit() -> None:
    """Every held connection is a file: allow as many as the hard limit (up to MAX_OPEN_FILES)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, MAX_OPEN_FILES)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _warn_unless_connections_migrate(workers: int) -> None:
    """Each worker listens on its own SO_REUSEPORT socket: without tcp_migrate_req, the
    connections queued at a worker that dies are reset instead of moved to another."""
    try:
        migrate = Path("/proc/sys/net/ipv4/tcp_migrate_req").read_text().strip() == "1"
    except OSError:
        return
    if workers > 1 and not migrate:
        log.warning("set the sysctl net.ipv4.tcp_migrate_req=1, or connections queued at a "
                    "worker that dies are reset (docs/deploy.md)")


def _worker_app(app: Flask) -> Callable[[], Flask]:
    """What each forked worker runs first: start its scanner (catching up if the view it was
    forked with is old: a respawn, a SIGHUP), then answer with the app."""

    def load() -> Flask:
        forbid_forking()  # granian's runtime threads are about to start in this process
        state = app.extensions["feeds"]
        state.corpus.snapshot()
        if state.hub is not None:
            state.hub.start()
        return app

    return load


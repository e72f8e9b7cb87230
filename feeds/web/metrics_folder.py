"""Where the worker processes keep their metric values: PROMETHEUS_MULTIPROC_DIR, set up by
`serve` before its workers fork, in memory, fresh at each start, removed at exit."""

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..ingest.forking import running
from ..trust import private_folder

log = logging.getLogger(__name__)
VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
SHARED_MEMORY = Path("/dev/shm")
PREFIX = "seed-feeds-metrics-"


@contextmanager
def metrics_folder() -> Iterator[Path]:
    """The folder for this run's workers, named in PROMETHEUS_MULTIPROC_DIR while it lasts.

    Given one, it is emptied of old values (the client's rule: a new run starts from none).
    Else a new private folder in systemd's RuntimeDirectory, or /dev/shm, or the temporary
    folder, removed when the server stops: values live in memory and die with the run.
    """
    if "prometheus_client" in sys.modules:
        log.warning("prometheus_client was imported before %s was set: /metrics shows one "
                    "worker only", VARIABLE)
    given = os.environ.get(VARIABLE)
    if given:
        folder = private_folder(Path(given))
        for old in folder.glob("*.db"):
            old.unlink()
        yield folder
        return
    parent = _parent()
    _remove_orphans(Path(parent or tempfile.gettempdir()))
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
    os.environ[VARIABLE] = str(folder)
    try:
        yield folder
    finally:
        os.environ.pop(VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)


def _parent() -> str | None:
    """systemd's RuntimeDirectory when the unit has one, else shared memory if present."""
    runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    if runtime and Path(runtime).is_dir():
        return runtime
    return str(SHARED_MEMORY) if SHARED_MEMORY.is_dir() else None


def _remove_orphans(parent: Path) -> None:
    """Remove the folders of runs that were killed before they could (their server is gone)."""
    for folder in parent.glob(f"{PREFIX}*-*"):
        pid = folder.name.removeprefix(PREFIX).partition("-")[0]
        try:
            mine = folder.stat().st_uid == os.geteuid() and not folder.is_symlink()
        except OSError:
            continue
        if mine and pid.isdigit() and not running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)

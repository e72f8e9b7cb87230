"""`export`: the whole site as static files, swapped into place in one step.

OUTDIR is a symlink to a complete version folder beside it (`.OUTDIR.versions/<digest>`).
A new export builds a new version, hard-linking every file that did not change from the
current one, then replaces the symlink atomically: a reader (nginx) sees the old tree or the
new one, never half of each. When nothing changed, nothing is written at all.
"""

import fcntl
import hashlib
import logging
import os
import shutil
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from ..model import ALL
from ..settings import Settings
from ..trust import UnsafeFile, check_owned
from ..view.snapshot import Snapshot
from .crawlers import root_files
from .described import index_page, opml_list, section_page
from .documents import Document
from .pages import Tailored, feed_page
from .render import FORMATS
from .urls import BUILD_PATH, feed_path, page_path

STATIC = Path(__file__).parent.parent / "static"
LOCK_NAME = ".lock"  # in the versions folder: one export of an OUTDIR at a time
LOCK_WAIT = 600  # seconds an export waits for another to finish before it gives up
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What an export did."""

    files: int
    written: int
    linked: int
    version: Path | None


class ExportError(Exception):
    """OUTDIR cannot take an export; the message says why."""


def site_files(snapshot: Snapshot, base_url: str, settings: Settings) -> dict[str, bytes]:
    """Every file of the export by relative path, each document with a `.gz` sibling."""
    documents: dict[str, Document] = {
        "opml.xml": opml_list(snapshot, base_url, settings).document()}
    for section in snapshot.sections():
        for fmt in FORMATS:
            path = feed_path(section.kind, section.slug, fmt).lstrip("/")
            documents[path] = feed_page(Tailored.plain(section), fmt, base_url, settings).document()
        if section.kind == ALL:
            documents["index.html"] = index_page(snapshot, base_url, settings).document()
        else:
            folder = page_path(section.kind, section.slug).lstrip("/")
            documents[f"{folder}/index.html"] = section_page(section, base_url,
                                                             settings).document()
    files = {f"static/{p.name}": p.read_bytes() for p in STATIC.iterdir() if p.is_file()}
    files.update(root_files(snapshot, base_url, settings, BUILD_PATH))
    for path, document in documents.items():
        files[path] = document.body
        files[f"{path}.gz"] = document.gzipped
    return files


def export(outdir: Path, files: dict[str, bytes]) -> ExportReport:
    """Make OUTDIR hold exactly files, rewriting only what changed, in one atomic step.

    Only what it made is touched: the versions folder must be a real folder of this user's
    that nobody else may write, no link inside it is followed, and files are created anew.
    """
    versions = outdir.parent / f".{outdir.name}.versions"
    _current_version(outdir, versions)  # a foreign OUTDIR is refused before anything is made
    _own_folder(versions)
    with _exclusive(versions, outdir):
        return _export_holding_lock(outdir, versions, files)


def _export_holding_lock(outdir: Path, versions: Path, files: dict[str, bytes]) -> ExportReport:
    """export(), for the one export that holds the versions folder's lock."""
    current = _current_version(outdir, versions)
    if current is not None and _holds_exactly(current, files):
        return ExportReport(len(files), 0, 0, None)
    version = versions / _digest(files)
    if os.path.lexists(version):
        _remove_version(version)
    _make_folders(version, files)
    written = linked = 0
    for path, body in sorted(files.items()):
        target = version / path
        if current is not None and _same_regular_file(current / path, body):
            os.link(current / path, target, follow_symlinks=False)
            linked += 1
        else:
            _write_new(target, body)
            written += 1
    _swap_symlink(outdir, version)
    _remove_old_versions(versions, keep={version.name, current.name if current else None})
    return ExportReport(len(files), written, linked, version)


def _current_version(outdir: Path, versions: Path) -> Path | None:
    """The version OUTDIR points at; None for a new OUTDIR; ExportError for a foreign one."""
    if outdir.is_symlink():
        target = Path(os.readlink(outdir))
        if target.parent != Path(versions.name) or not (versions / target.name).is_dir():
            raise ExportError(f"{outdir} is a link to {target}, not to a version of an export "
                              f"in {versions}; remove it or choose another folder")
        return versions / target.name
    if not outdir.exists():
        return None
    if outdir.is_dir() and not any(outdir.iterdir()):
        with suppress(FileNotFoundError):  # another export may have removed it first
            outdir.rmdir()
        return None
    raise ExportError(f"{outdir} exists and is not an export (a symlink to a version); "
                      "remove it or choose another folder")


def _own_folder(folder: Path) -> None:
    """Make folder if missing; ExportError unless it is a real folder, this user's, that only
    this user may write."""
    with suppress(FileExistsError):  # another export may be making it too
        folder.mkdir(mode=0o755)
    status = os.lstat(folder)
    if not stat.S_ISDIR(status.st_mode):
        raise ExportError(f"{folder} is not a folder (a link?); remove it and export again")
    try:
        check_owned(folder)
    except UnsafeFile:
        raise ExportError(f"{folder} belongs to another user or others may write it; "
                          "remove it and export again") from None
    os.chmod(folder, 0o755)


@contextmanager
def _exclusive(versions: Path, outdir: Path) -> Iterator[None]:
    """Hold the lock of the versions folder while the block runs: an export that finds
    another at work says so and waits for it (LOCK_WAIT seconds at most), so that no two
    build, swap or delete versions at once."""
    descriptor = os.open(versions / LOCK_NAME,
                         os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise ExportError(f"{versions / LOCK_NAME} is not a regular file; remove it")
        _wait_for_lock(descriptor, outdir)
        yield
    finally:
        os.close(descriptor)  # which releases the lock


def _wait_for_lock(descriptor: int, outdir: Path) -> None:
    """Take the lock on descriptor, waiting for the export that holds it."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        log.warning("%s: another export is writing it; waiting for it to finish", outdir)
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise ExportError(f"{outdir}: another export has held it for over "
                                  f"{LOCK_WAIT} s; try again when it is done") from None
            time.sleep(0.1)


def _make_folders(version: Path, files: dict[str, bytes]) -> None:
    """The new version folder and every folder its files go in, 755 (readable by a web server
    of another user); mkdir fails on anything in the way."""
    folders = {version}
    for path in files:
        folders.update(folder for folder in (version / path).parents
                       if folder.is_relative_to(version))
    for folder in sorted(folders):  # parents before their children
        folder.mkdir(mode=0o755)
        os.chmod(folder, 0o755)


def _same_regular_file(path: Path, body: bytes) -> bool:
    """Whether path is a regular file (not a link) holding body."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(status.st_mode) or status.st_size != len(body):
        return False
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as file:
        return file.read() == body


def _write_new(target: Path, body: bytes) -> None:
    """Create target (never through a link, never over a file) with mode 644 and body."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), 0o644)
        file.write(body)


def _holds_exactly(folder: Path, files: dict[str, bytes]) -> bool:
    """Whether folder holds these files and no others, byte for byte."""
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    return present == set(files) and all(
        _same_regular_file(folder / path, body) for path, body in files.items())


def _digest(files: dict[str, bytes]) -> str:
    """A name for a version, from its content."""
    digest = hashlib.blake2b(digest_size=8)
    for path, body in sorted(files.items()):
        digest.update(path.encode() + b"\0" + hashlib.blake2b(body).digest())
    return digest.hexdigest()


def _swap_symlink(outdir: Path, version: Path) -> None:
    """Point outdir at version (relatively, inside the versions folder) in one rename."""
    temporary = outdir.parent / f".{outdir.name}.swap-{os.getpid()}"
    if os.path.lexists(temporary):
        temporary.unlink()
    temporary.symlink_to(Path(version.parent.name) / version.name)
    os.replace(temporary, outdir)


def _remove_old_versions(versions: Path, keep: set[str | None]) -> None:
    """Delete the versions but the new one and the one just replaced (a reader may still be in
    it); anything there that is not a version folder is left alone."""
    for old in versions.iterdir():
        if old.name not in keep and len(old.name) == 16:
            _remove_version(old)


def _remove_version(version: Path) -> None:
    """Delete a version folder (never what a link inside it points to)."""
    if os.path.islink(version) or not version.is_dir():
        version.unlink()
    else:
        shutil.rmtree(version)


def base_url_for_export(option: str | None, settings: Settings) -> str:
    """The base URL links in the export use: the option, else BASE_URL."""
    base = (option or settings.base_url).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ExportError("give --base-url https://your.site (or set FEEDS_BASE_URL): "
                          "feeds need absolute links")
    return base

"""`export`: the whole site as static files, swapped into place in one step.

OUTDIR is a symlink to a complete version folder beside it (`.OUTDIR.versions/<digest>`).
A new export builds a new version, hard-linking every file that did not change from the
current one, then replaces the symlink atomically: a reader (nginx) sees the old tree or the
new one, never half of each. When nothing changed, nothing is written at all.
"""

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from .documents import Document
from .site import feed_document, feed_page, index_document, opml_document, section_document
from .snapshot import ALL, Snapshot
from .urls import FORMATS, feed_path, page_path

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What an export did."""

    files: int
    written: int
    linked: int
    version: Path | None


class ExportError(Exception):
    """OUTDIR cannot take an export; the message says why."""


def site_files(snapshot: Snapshot, base_url: str) -> dict[str, bytes]:
    """Every file of the export by relative path, each document with a `.gz` sibling."""
    documents: dict[str, Document] = {"opml.xml": opml_document(snapshot, base_url)}
    for section in snapshot.sections():
        for fmt in FORMATS:
            path = feed_path(section.kind, section.slug, fmt).lstrip("/")
            documents[path] = feed_document(feed_page(section, fmt, base_url))
        if section.kind == ALL:
            documents["index.html"] = index_document(snapshot, base_url)
        else:
            folder = page_path(section.kind, section.slug).lstrip("/")
            documents[f"{folder}/index.html"] = section_document(section, base_url)
    files = {f"static/{p.name}": p.read_bytes() for p in STATIC.iterdir() if p.is_file()}
    for path, document in documents.items():
        files[path] = document.body
        files[f"{path}.gz"] = document.gzipped
    return files


def export(outdir: Path, files: dict[str, bytes]) -> ExportReport:
    """Make OUTDIR hold exactly files, rewriting only what changed, in one atomic step."""
    current = _current_version(outdir)
    if current is not None and _holds_exactly(current, files):
        return ExportReport(len(files), 0, 0, None)
    versions = outdir.parent / f".{outdir.name}.versions"
    version = versions / _digest(files)
    shutil.rmtree(version, ignore_errors=True)
    written = linked = 0
    for path, body in sorted(files.items()):
        target = version / path
        target.parent.mkdir(parents=True, exist_ok=True)
        previous = current / path if current is not None else None
        if previous is not None and previous.is_file() and previous.read_bytes() == body:
            os.link(previous, target)
            linked += 1
        else:
            target.write_bytes(body)
            written += 1
    _make_readable(versions)
    _swap_symlink(outdir, version)
    _remove_old_versions(versions, keep={version, current})
    return ExportReport(len(files), written, linked, version)


def _current_version(outdir: Path) -> Path | None:
    """The version OUTDIR points at; None for a new OUTDIR; ExportError for a foreign one."""
    if outdir.is_symlink():
        return outdir.resolve()
    if not outdir.exists():
        return None
    if outdir.is_dir() and not any(outdir.iterdir()):
        outdir.rmdir()
        return None
    raise ExportError(f"{outdir} exists and is not an export (a symlink to a version); "
                      "remove it or choose another folder")


def _holds_exactly(folder: Path, files: dict[str, bytes]) -> bool:
    """Whether folder holds these files and no others, byte for byte."""
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    return present == set(files) and all(
        (folder / path).read_bytes() == body for path, body in files.items())


def _digest(files: dict[str, bytes]) -> str:
    """A name for a version, from its content."""
    digest = hashlib.blake2b(digest_size=8)
    for path, body in sorted(files.items()):
        digest.update(path.encode() + b"\0" + hashlib.blake2b(body).digest())
    return digest.hexdigest()


def _make_readable(folder: Path) -> None:
    """Folders 755 and files 644, for a web server running as another user."""
    for root, _dirs, files in os.walk(folder):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(Path(root, name), 0o644)


def _swap_symlink(outdir: Path, version: Path) -> None:
    """Point outdir at version in one rename."""
    temporary = outdir.parent / f".{outdir.name}.swap-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(os.path.relpath(version, outdir.parent))
    os.replace(temporary, outdir)


def _remove_old_versions(versions: Path, keep: set[Path | None]) -> None:
    """Delete versions but the new one and the one just replaced (a reader may still be in it)."""
    for old in versions.iterdir():
        if old not in keep:
            shutil.rmtree(old, ignore_errors=True)


def base_url_for_export(option: str | None) -> str:
    """The base URL links in the export use: the option, else BASE_URL."""
    base = (option or current_app.config["BASE_URL"]).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ExportError("give --base-url https://your.site (or set FEEDS_BASE_URL): "
                          "feeds need absolute links")
    return base

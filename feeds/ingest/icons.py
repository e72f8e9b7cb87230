"""The operator's own site icons, from the seeds folder's `_data/icons/`, read with care."""

import logging
from pathlib import Path

from .files import NotReadable, ReadFailed, read_bounded

log = logging.getLogger(__name__)

ICONS_FOLDER = "_data/icons"
MAX_ICON_BYTES = 1024 * 1024
# What each kind of icon file starts with; a file that does not is not served.
_SIGNATURES = {".ico": (b"\x00\x00\x01\x00",), ".png": (b"\x89PNG\r\n\x1a\n",),
               ".svg": (b"<svg", b"<?xml")}


def read_icon(seeds_dir: Path, name: str) -> bytes | None:
    """The operator's icon file of that name, or None when there is none to serve: absent, a
    link, not a regular file, larger than MAX_ICON_BYTES, or not what its suffix says."""
    path = seeds_dir / ICONS_FOLDER / name
    try:
        data = read_bounded(path, MAX_ICON_BYTES, follow_links=False)
    except ReadFailed:  # absent, or the system will not read it
        return None
    except NotReadable as why:
        log.warning("icon %s %s: not served", name, why)
        return None
    if not _looks_like(path.suffix, data):
        log.warning("icon %s is not a %s file: not served", name, path.suffix)
        return None
    return data


def _looks_like(suffix: str, data: bytes) -> bool:
    """Whether data starts as a file of that suffix does (an SVG after any blank space)."""
    head = data[:200].lstrip().lower() if suffix == ".svg" else data
    return head.startswith(_SIGNATURES[suffix])

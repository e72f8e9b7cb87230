"""Files and folders this process may trust: owned by this user, and nobody else may write them."""

import os
import stat
from pathlib import Path


class UnsafeFile(Exception):
    """A file or folder that someone else could have written."""


def check_owned(place: Path | str | int) -> None:
    """UnsafeFile unless this user owns place (a path or an open file) and only it may write."""
    status = os.fstat(place) if isinstance(place, int) else os.stat(place)
    if status.st_uid != os.geteuid():
        raise UnsafeFile(f"owned by user {status.st_uid}, not by this user ({os.geteuid()})")
    if status.st_mode & 0o022:
        raise UnsafeFile(f"others may write it (mode {stat.filemode(status.st_mode)})")


def private_folder(path: Path) -> Path:
    """path made (mode 0700) if missing, then checked: UnsafeFile when another may write it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_owned(path)
    return path

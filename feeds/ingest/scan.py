"""The seeds folder walked: every seed file with its stat key, or why it is skipped."""

import marshal
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..model import SeedError
from .forking import may_fork
from .seed import SEED_SUFFIXES

# (size, mtime_ns, ctime_ns, inode): chmod, a rename over the file and a copy that keeps the
# mtime all change one of them, so no change goes unseen because size and mtime stayed. Packed
# in one int, 64 bits each (equal keys, equal stats): 60 bytes, where a tuple of 4 ints is 200.
StatKey = int
_BITS = 64
_MASK = (1 << _BITS) - 1
Found = dict[str, StatKey | SeedError]
Pending = tuple[str, str, int]  # a folder still to list: its path, name and depth
T = TypeVar("T")
# Deeper folders are reported, not read: a walk that cannot be led on for ever.
MAX_DEPTH = 32


def seed_files(root: Path, under: str = "") -> Found:
    """Each seed file under root (or only under its subfolder `under`) by relative name: its
    stat key, or a SeedError.

    Iterative, so no depth of folders can overflow the stack; links to folders are never
    followed, so no loop is possible; hidden entries and the top-level `_data` are skipped.
    OSError when root itself cannot be listed: a folder gone missing is not an empty one. A
    subfolder that cannot be listed is not empty either: it is named with a trailing `/` and
    a SeedError whose `retry` is set, so that what was read under it before is kept.
    """
    found: Found = {}
    start = under.strip("/")
    pending: list[Pending] = [(str(root / start), start + "/", start.count("/") + 1) if start
                              else (str(root), "", 0)]
    while pending:
        folder, prefix, depth = pending.pop()
        try:
            listing = _listing(folder)
        except OSError as error:
            if prefix == (start + "/" if start else ""):
                raise
            found[prefix] = unseen(prefix, error)
            continue
        for entry in listing:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                if prefix or name != "_data":
                    _descend(found, pending, entry.path, prefix + name + "/", depth + 1)
            elif name.lower().endswith(SEED_SUFFIXES):
                found[prefix + name] = _stat_key(entry, root, prefix + name)
    return found


def seed_file(root: Path, name: str) -> StatKey | SeedError | None:
    """The stat key of the one seed file `name` as a walk would see it, a SeedError, or None
    when a walk would not list it (gone, hidden, not a seed, under a link or too deep)."""
    parts = name.split("/")
    if (not name.lower().endswith(SEED_SUFFIXES) or any(p.startswith(".") or not p for p in parts)
            or parts[0] == "_data" or len(parts) > MAX_DEPTH + 1):
        return None
    folder = root
    for part in parts[:-1]:  # links to folders are never followed
        folder = folder / part
        if not folder.is_dir() or folder.is_symlink():
            return None
    path = folder / parts[-1]
    try:
        status = path.lstat()
        if stat.S_ISDIR(status.st_mode):
            return None
        if stat.S_ISLNK(status.st_mode):
            if not path.resolve().is_relative_to(root):
                return SeedError(name, "is a symlink to a file outside the seeds folder; "
                                       "not followed")
            status = path.stat()
    except FileNotFoundError:
        return None
    except (OSError, RuntimeError) as error:
        return unseen(name, error)
    return _key_of(status, name)


def unseen(name: str, error: OSError | RuntimeError) -> SeedError:
    """Why the system would not let name be seen: a folder (its name ends in `/`) that cannot
    be listed, a file that cannot be read; an OSError is a failure that may pass."""
    what = "is a folder that cannot be listed" if name.endswith("/") else "cannot be read"
    return SeedError(name, f"{what}: {getattr(error, 'strerror', None) or error}",
                     retry=isinstance(error, OSError))


def _listing(folder: str) -> list[os.DirEntry[str]]:
    """The entries of folder; OSError when it cannot be listed whole."""
    with os.scandir(folder) as scan:
        return list(scan)


def _descend(found: Found, pending: list[Pending], path: str, name: str, depth: int) -> None:
    """Queue a folder for the walk, or report it when it is too deep."""
    if depth > MAX_DEPTH:
        found[name] = SeedError(name, f"is a folder nested deeper than {MAX_DEPTH} levels; "
                                      "its seeds are not read")
    else:
        pending.append((path, name, depth))


def _stat_key(entry: os.DirEntry[str], root: Path, name: str) -> StatKey | SeedError:
    """The stat key of a seed file, refusing links that leave the seeds folder."""
    try:
        if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
            return SeedError(name, "is a symlink to a file outside the seeds folder; not followed")
        status = entry.stat()
    except (OSError, RuntimeError) as error:
        return unseen(name, error)
    return _key_of(status, name)


def _key_of(status: os.stat_result, name: str) -> StatKey | SeedError:
    """The stat key of a regular file; anything else is no seed."""
    if not stat.S_ISREG(status.st_mode):
        return SeedError(name, "is not a regular file")
    return stat_key(status)


def modified_ns(key: StatKey) -> int:
    """The mtime_ns a stat key holds."""
    mtime = key >> 2 * _BITS & _MASK
    return mtime - (1 << _BITS) if mtime >> (_BITS - 1) else mtime


def stat_key(status: os.stat_result) -> StatKey:
    """A file's (size, mtime_ns, ctime_ns, inode) as one StatKey."""
    key = 0
    for part in (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino):
        key = key << _BITS | part & _MASK  # a time before 1970 as its 64-bit two's complement
    return key


def seed_files_beside(root: Path, work: Callable[[], T]) -> tuple[Found, T]:
    """(seed_files(root), work()), the walk in a forked child while this process works, on
    the two cores that a restart from the parse cache can use; one after the other where
    forking is not safe."""
    if not may_fork():
        return seed_files(root), work()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: walk, send the result, exit without any clean-up of the parent's
        os.close(reader)
        try:
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(marshal.dumps(_plain(seed_files(root))))
        finally:
            os._exit(0)
    os.close(writer)
    try:
        done = work()
    finally:
        with os.fdopen(reader, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
    try:
        return _from_plain(marshal.loads(data)), done
    except (EOFError, ValueError, TypeError):  # the child died: walk here instead
        return seed_files(root), done


def _plain(found: Found) -> dict[str, StatKey | tuple[str, bool]]:
    """found as marshal-able values: a stat key, or (reason, retry)."""
    return {name: (key.reason, key.retry) if isinstance(key, SeedError) else key
            for name, key in found.items()}


def _from_plain(plain: dict[str, StatKey | tuple[str, bool]]) -> Found:
    """The inverse of _plain."""
    return {name: SeedError(name, value[0], value[1]) if isinstance(value, tuple) else value
            for name, value in plain.items()}

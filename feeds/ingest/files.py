"""Reading files that may be anything: only regular files, never blocking, bounded in bytes."""

import os
import stat


class NotReadable(Exception):
    """Why a file was not read, said to a person: 'is not a regular file', 'cannot be read: ...'."""


class TooLarge(NotReadable):
    """A regular file larger than the caller allows."""


class ReadFailed(NotReadable):
    """The system would not open or read it (permissions, an I/O error): it may pass."""


def read_bounded(path: str | os.PathLike[str], max_bytes: int, follow_links: bool = True) -> bytes:
    """The bytes of the regular file at path, at most max_bytes of them.

    Opened without blocking, so that a FIFO or a device put in a file's place (even between a
    walk's check and this open) is refused rather than waited on, and checked on the open file
    itself; never reads more than max_bytes + 1 bytes. NotReadable says why not.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == getattr(os, "ELOOP", None) and not follow_links:
            raise NotReadable("is a symlink; not followed") from None
        raise ReadFailed(f"cannot be read: {error.strerror or error}") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotReadable("is not a regular file")
        if status.st_size > max_bytes:
            raise TooLarge(f"is larger than the {_readable_bytes(max_bytes)} it may be")
        data = _read_all(descriptor, max_bytes + 1)
    except OSError as error:
        raise ReadFailed(f"cannot be read: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:  # it grew after the fstat
        raise TooLarge(f"is larger than the {_readable_bytes(max_bytes)} it may be")
    return data


def _read_all(descriptor: int, limit: int) -> bytes:
    """Up to limit bytes from descriptor, until its end."""
    chunks, left = [], limit
    while left > 0:
        chunk = os.read(descriptor, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _readable_bytes(max_bytes: int) -> str:
    """A byte count said to a person."""
    return f"{max_bytes // 1024} KiB" if max_bytes >= 1024 else f"{max_bytes} bytes"

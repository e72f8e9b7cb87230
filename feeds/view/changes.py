"""The seed names that changed, from the one process that watches the folder to every process
that serves it: a ring of bytes in memory shared by the processes forked after it was made.

The process that holds a lock on the ring watches (the lock is taken anew when it dies); the
others read, at each tick, what was written since their last read: a name, or "" for "walk the
whole folder". A reader that fell a whole ring behind walks the whole folder too.
"""

import fcntl
import mmap
import os
import struct
import threading
import time
from collections.abc import Iterable

EVERYTHING = ""  # a name meaning: walk the whole folder
RING_BYTES = 4 * 1024 * 1024
MAX_NAME_BYTES = 4096
# The header: bytes ever written, the watcher's heartbeat (monotonic ns), its pid and mode.
_HEADER = struct.Struct("<QQii")
_HEADER_BYTES = 64
_BEAT = struct.Struct("<Qii")  # the header after its first field
_LENGTH = struct.Struct("<H")
NOBODY, EVENTS, WALKING = 0, 1, 2  # how the watcher learns of changes


class ChangeRing:
    """Names written by one process and read by all; made before the workers fork."""

    def __init__(self, size: int = RING_BYTES):
        self._size = size
        self._file = os.memfd_create("seed-feeds-changes", os.MFD_CLOEXEC)
        os.ftruncate(self._file, _HEADER_BYTES + size)
        self._map = mmap.mmap(self._file, _HEADER_BYTES + size)
        self._seen = 0
        self._writing = threading.Lock()
        self._ballot: tuple[int, int] | None = None  # (pid, descriptor of this process's own)
        self._holder = 0  # the pid that holds the lock, seen from here

    def written(self) -> int:
        """Bytes ever written to the ring."""
        written: int = _HEADER.unpack_from(self._map)[0]
        return written

    def append(self, names: Iterable[str]) -> None:
        """Write names (only the watcher does), a name too long as EVERYTHING."""
        data = bytearray()
        for name in names:
            encoded = name.encode("utf-8", "surrogateescape")
            if len(encoded) > MAX_NAME_BYTES:
                encoded = b""
            data += _LENGTH.pack(len(encoded)) + encoded
        with self._writing:  # the watcher's event thread and its walks
            head = self.written()
            self._copy_in(head, bytes(data))
            struct.pack_into("<Q", self._map, 0, head + len(data))

    def read(self) -> list[str] | None:
        """The names written since this process last read; None when it fell a whole ring
        behind (or the ring reads wrong), so that it walks the whole folder."""
        head = self.written()
        seen, self._seen = self._seen, head
        if head == seen:
            return []
        if not 0 < head - seen <= self._size:
            return None
        data = self._copy_out(seen, head - seen)
        if self.written() - seen > self._size:  # overwritten while it was read
            return None
        return _names(data)

    def skip(self) -> None:
        """Take everything written so far as read (this process walks the whole folder)."""
        self._seen = self.written()

    def elected(self) -> bool:
        """Whether this process is the watcher: it holds the ring's lock, or takes it now."""
        if self._ballot is None or self._ballot[0] != os.getpid():
            self._ballot = (os.getpid(), os.open(f"/proc/self/fd/{self._file}",
                                                 os.O_RDONLY | os.O_CLOEXEC))
        try:
            fcntl.flock(self._ballot[1], fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        self._holder = os.getpid()
        return True

    def holds(self) -> bool:
        """Whether this process was elected (without trying to be)."""
        return self._holder == os.getpid()

    def beat(self, mode: int) -> None:
        """The watcher's sign of life, and how it learns of changes."""
        _BEAT.pack_into(self._map, 8, time.monotonic_ns(), os.getpid(), mode)

    def watcher(self) -> tuple[float, int, int]:
        """(seconds since the watcher's last sign of life, its pid, its mode)."""
        _, beat, pid, mode = _HEADER.unpack_from(self._map)
        return (time.monotonic_ns() - beat) / 1e9 if beat else float("inf"), pid, mode

    def _copy_in(self, at: int, data: bytes) -> None:
        """data into the ring from byte number at, wrapping round."""
        start = at % self._size
        first = min(len(data), self._size - start)
        base = _HEADER_BYTES
        self._map[base + start:base + start + first] = data[:first]
        self._map[base:base + len(data) - first] = data[first:]

    def _copy_out(self, at: int, length: int) -> bytes:
        """length bytes of the ring from byte number at, wrapping round."""
        start = at % self._size
        first = min(length, self._size - start)
        base = _HEADER_BYTES
        return self._map[base + start:base + start + first] + self._map[base:base + length - first]


def _names(data: bytes) -> list[str] | None:
    """The names a run of entries holds; None when it does not parse."""
    names, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            return None
        (length,) = _LENGTH.unpack_from(data, at)
        at += 2
        if length > MAX_NAME_BYTES or at + length > len(data):
            return None
        names.append(data[at:at + length].decode("utf-8", "surrogateescape"))
        at += length
    return names

"""Rendered documents with their validators and gzip, cached until what they show changes."""

import dataclasses
import gzip
import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from werkzeug.http import http_date

from ..model import Article
from ..view.snapshot import Section

if TYPE_CHECKING:
    from .keys import Described

# What a cached entry holds besides its bodies, key and signature: the Document with its ETags
# and date, its slot, the ordered dict's entry; 215 bytes measured by tracemalloc over 20,000
# entries, rounded up for the dict's spare room. Articles and sections belong to the snapshot.
ENTRY_OVERHEAD = 400
_SHARED = (Article, Section)
_DEPTH = 4  # how deep the count of a key or signature goes


@dataclass(frozen=True, slots=True)
class Document:
    """A response body ready to send: identity and gzip bytes, strong ETags, Last-Modified."""

    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str
    last_modified: datetime
    last_modified_http: str
    content_type: str
    robots: str = ""  # an X-Robots-Tag to send with it, if any
    links: str = ""  # a Link header: the WebSub hub and self of a feed

    @classmethod
    def of(cls, body: bytes, content_type: str, last_modified: datetime,
           robots: str = "", links: str = "") -> "Document":
        """A Document for body; every value derives from the bytes, so instances agree."""
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        return cls(
            body=body,
            gzipped=gzip.compress(body, compresslevel=9, mtime=0),
            etag=f'"{digest}"',
            gzip_etag=f'"{digest}-gzip"',
            last_modified=last_modified,
            last_modified_http=http_date(last_modified),
            content_type=content_type,
            robots=robots,
            links=links,
        )


@dataclass(slots=True)
class _Slot:
    """A cached document, the signature of what it was rendered from, and the bytes both hold
    with the key."""

    signature: Hashable
    document: Document
    size: int = 0


class DocumentCache:
    """Documents by key, reused while their signature is unchanged; bounded in bytes (LRU):
    the bodies, and what each entry's key and signature hold beside them."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._slots: OrderedDict[Hashable, _Slot] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, described: "Described") -> Document:
        """The document described, rendered anew only when its signature differs from that of
        the one cached under its key."""
        key, signature = described.cache_key(), described.signature()
        with self._lock:
            slot = self._slots.get(key)
            if slot is not None and slot.signature == signature:
                self._slots.move_to_end(key)
                return slot.document
        document = described.document()
        size = entry_size(key, signature, document)
        with self._lock:
            self._store(key, _Slot(signature, document, size))
        return document

    def peek(self, key: Hashable) -> Document | None:
        """The document cached under key, if it is still there (and now most recently used)."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                return None
            self._slots.move_to_end(key)
            return slot.document

    def usage(self) -> tuple[int, int]:
        """(bytes held, documents held), for the metrics."""
        return self._bytes, len(self._slots)

    def _store(self, key: Hashable, slot: _Slot) -> None:
        """Keep slot under key, evicting the least recently used past the budget."""
        old = self._slots.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        self._slots[key] = slot
        self._bytes += slot.size
        while self._bytes > self.max_bytes and len(self._slots) > 1:
            _, evicted = self._slots.popitem(last=False)
            self._bytes -= evicted.size

    @property
    def held(self) -> int:
        """Bytes the entries hold, as counted against max_bytes."""
        return self._bytes


def entry_size(key: Hashable, signature: Hashable, document: Document) -> int:
    """Bytes an entry holds: the bodies, the key, the signature and the entry itself."""
    return (len(document.body) + len(document.gzipped) + ENTRY_OVERHEAD
            + held_bytes(key) + held_bytes(signature))


def held_bytes(value: object, depth: int = 0) -> int:
    """Bytes value holds of its own, roughly: the containers and plain values in it, a few
    levels deep; the snapshot's articles and sections are shared, so they count nothing."""
    if isinstance(value, _SHARED):
        return 0
    size = sys.getsizeof(value)
    if depth >= _DEPTH:
        return size
    if isinstance(value, tuple | list | frozenset):
        return size + sum(held_bytes(item, depth + 1) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return size + sum(held_bytes(getattr(value, field.name), depth + 1)
                          for field in dataclasses.fields(value))
    return size

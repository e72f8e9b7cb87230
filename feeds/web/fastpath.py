"""A WSGI fast path: a repeat GET or HEAD whose answer is already known skips Flask entirely.

The Flask view that answers a request remembers (in the WSGI environ) which cached document
it sent (its key, output/keys.py); this middleware then keys that by everything of the request
the answer depends on, one frozen value (`Asked`: path, the known query parameters, whether
gzip is accepted, and, without BASE_URL, host, scheme and prefix) and serves the next such
request itself: while the snapshot the view saw is still the current one, the document is
still in the document cache, and the clock alone has not changed what it shows (a `since`
window moving on, a digest period ending). It holds no document of its own and no snapshot:
its entries belong to the current snapshot, which it names by a weak reference, and are
dropped together when the snapshot changes; past max_entries the least recently used goes, so
no client can empty it for everyone else. Conditional GET, gzip and the headers come from
`answer.answer`, as in the view.
"""

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from ..output.documents import DocumentCache
from ..output.keys import Key
from ..text import is_host
from ..view.corpus import Corpus
from ..view.query import PARAMETERS
from ..view.snapshot import Snapshot
from .answer import answer, max_age_until, wants_gzip

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

DOCUMENT_KEY = "feeds.document"  # which cached document answered (also for the Observer)
_SNAPSHOT_KEY = "feeds.snapshot"  # of which snapshot
FAST_KEY = "feeds.fast"  # set when the fast path answered, not Flask (for the Observer)
# The only parameters an answer depends on: others (utm_*, cache busters) never make an entry.
_QUERY_NAMES = frozenset(("limit", "page", "period", *PARAMETERS))
_MAX_KEY_TEXT = 512  # requests with longer paths, queries or hosts are not remembered
_MAX_ENCODING_TEXT = 128  # longer Accept-Encoding values are read each time, never kept


@dataclass(frozen=True, slots=True)
class Asked:
    """What a view reads of a request, all that its answer depends on besides the snapshot,
    the clock and the conditional headers; made by asked() alone."""

    path: str
    params: tuple[tuple[str, str], ...]  # the known parameters, sorted
    gzip: bool
    host: str  # these three make the links absolute; empty when BASE_URL does
    scheme: str
    prefix: str  # SCRIPT_NAME


@dataclass(frozen=True, slots=True)
class _Known:
    """Which cached document answered one kind of request."""

    document_key: Key
    etag: str
    use_gzip: bool
    section: tuple[str, str]
    changes_at: datetime | None  # when the clock alone changes the answer


def remember(environ: "WSGIEnvironment", document_key: Key, etag: str, use_gzip: bool,
             snapshot: Snapshot, section: tuple[str, str],
             changes_at: datetime | None = None) -> None:
    """Note, for the fast path, which cached document of snapshot answered this request."""
    environ[DOCUMENT_KEY] = _Known(document_key, etag, use_gzip, section, changes_at)
    environ[_SNAPSHOT_KEY] = snapshot


class FastPath:
    """Wraps the Flask WSGI app; answers known requests without it."""

    def __init__(self, app: "WSGIApplication", corpus: Corpus, documents: DocumentCache,
                 max_age: int, max_entries: int = 4096, keyed_by_host: bool = True):
        self.app = app
        self.corpus = corpus
        self.documents = documents
        self.max_age = max_age
        self.max_entries = max_entries
        self.keyed_by_host = keyed_by_host  # False when BASE_URL fixes every link
        self._lock = threading.Lock()
        self._snapshot: Callable[[], Snapshot | None] = lambda: None  # the entries' own
        self._known: OrderedDict[Asked, _Known] = OrderedDict()

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse"
                 ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method != "GET" and method != "HEAD":
            return self.app(environ, start_response)
        key = asked(environ, self.keyed_by_host)
        current = self.corpus.current
        known = self._lookup(key, current) if key is not None else None
        if known is not None and current is not None and (
                known.changes_at is None or datetime.now(UTC) < known.changes_at):
            document = self.documents.peek(known.document_key)
            if document is not None and document.etag == known.etag:
                max_age = max_age_until(current, self.max_age, known.section, known.changes_at)
                status, headers, body = answer(document, known.use_gzip, max_age, environ)
                environ[DOCUMENT_KEY] = known  # for the middleware outside: what answered
                environ[FAST_KEY] = True
                start_response(status, headers)
                return [body] if method == "GET" else []
        result = self.app(environ, start_response)
        remembered = environ.get(DOCUMENT_KEY)
        if remembered is not None and key is not None:
            self._remember(key, environ[_SNAPSHOT_KEY], remembered)
        return result

    def __len__(self) -> int:
        """Entries kept now (of the current snapshot, once a request has seen it)."""
        return len(self._known)

    def _lookup(self, key: Asked, current: Snapshot | None) -> _Known | None:
        """The entry for key, if it belongs to the current snapshot (now most recently used);
        the entries of an older snapshot are dropped."""
        with self._lock:
            if current is None:
                return None
            if self._snapshot() is not current:
                self._start(current)
                return None
            known = self._known.get(key)
            if known is not None:
                self._known.move_to_end(key)
            return known

    def _remember(self, key: Asked, snapshot: Snapshot, known: _Known) -> None:
        """Keep known under key, if its snapshot is the current one; entries of an older
        snapshot are dropped, and the least recently used past max_entries."""
        with self._lock:
            if snapshot is not self.corpus.current:
                return
            if self._snapshot() is not snapshot:
                self._start(snapshot)
            self._known[key] = known
            self._known.move_to_end(key)
            while len(self._known) > self.max_entries:
                self._known.popitem(last=False)

    def _start(self, snapshot: Snapshot) -> None:
        """Hold entries of snapshot from now on, and none of any other."""
        self._snapshot = weakref.ref(snapshot)
        self._known = OrderedDict()



def asked(environ: "WSGIEnvironment", keyed_by_host: bool = True) -> Asked | None:
    """What the answer to a request depends on, or None for a request not worth remembering
    (or that the view must refuse: an odd Host). With no Host header, the server's name and
    port make the links, as they do in the view (werkzeug's root_url)."""
    path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
    host = environ.get("HTTP_HOST")
    if host is not None and not is_host(host):  # also any Host over 259 characters
        return None
    if len(path) + len(query) + len(host or "") > _MAX_KEY_TEXT:
        return None
    params = tuple(sorted(pair for pair in parse_qsl(query, keep_blank_values=True)
                          if pair[0] in _QUERY_NAMES)) if query else ()
    use_gzip = _gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
    if not keyed_by_host:
        return Asked(path, params, use_gzip, "", "", "")
    where = host.lower() if host is not None else \
        f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    return Asked(path, params, use_gzip, where, str(environ.get("wsgi.url_scheme", "")),
                 environ.get("SCRIPT_NAME", ""))


def _gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding value accepts gzip; the common short values remembered."""
    if len(accept_encoding) > _MAX_ENCODING_TEXT:
        return wants_gzip(accept_encoding)
    return _short_gzip(accept_encoding)


@lru_cache(maxsize=256)
def _short_gzip(accept_encoding: str) -> bool:
    """wants_gzip, remembered for at most 256 short values."""
    return wants_gzip(accept_encoding)

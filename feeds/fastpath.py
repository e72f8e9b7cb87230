"""A WSGI fast path: a repeat GET or HEAD whose answer is already known skips Flask entirely.

The Flask view that answers a request remembers (in the WSGI environ) the document it sent;
this middleware then keys that document by everything the answer depends on (path, query,
host, scheme, prefix, Accept-Encoding) and serves the next such request itself, for as long as
the snapshot the view saw is still the current one. Conditional GET, gzip and the headers come
from `responses.answer`, as in the view, so both paths answer alike.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .corpus import Corpus
from .documents import Document
from .responses import answer, max_age_until
from .snapshot import Snapshot

_ENVIRON_KEY = "feeds.document"
_REQUEST_KEYS = ("PATH_INFO", "QUERY_STRING", "HTTP_HOST", "HTTP_ACCEPT_ENCODING",
                 "wsgi.url_scheme", "SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT")


@dataclass(frozen=True, slots=True)
class _Known:
    """A document as sent for one kind of request, and the snapshot it was true for."""

    document: Document
    use_gzip: bool
    snapshot: Snapshot


def remember(environ: dict, document: Document, use_gzip: bool, snapshot: Snapshot) -> None:
    """Note, for the fast path, which document answered this request."""
    environ[_ENVIRON_KEY] = _Known(document, use_gzip, snapshot)


class FastPath:
    """Wraps the Flask WSGI app; answers known requests without it."""

    def __init__(self, app: Callable, corpus: Corpus, max_age: int, max_entries: int = 4096):
        self.app = app
        self.corpus = corpus
        self.max_age = max_age
        self.max_entries = max_entries
        self._known: dict[tuple, _Known] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method != "GET" and method != "HEAD":
            return self.app(environ, start_response)
        key = tuple(environ.get(name) for name in _REQUEST_KEYS)
        known = self._known.get(key)
        if known is not None and known.snapshot is self.corpus.current:
            status, headers, body = answer(known.document, known.use_gzip,
                                           max_age_until(known.snapshot, self.max_age), environ)
            start_response(status, headers)
            return [body] if method == "GET" else []
        result = self.app(environ, start_response)
        known = environ.get(_ENVIRON_KEY)
        if known is not None:
            if len(self._known) >= self.max_entries:
                self._known.clear()
            self._known[key] = known
        return result

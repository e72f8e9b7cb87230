"""A WSGI fast path: a repeat GET or HEAD whose answer is already known skips Flask entirely.

The Flask view that answers a request remembers (in the WSGI environ) which cached document
it sent; this middleware then keys that by everything the answer depends on (path, the known
query parameters, host, scheme, prefix, Accept-Encoding) and serves the next such request
itself: while the snapshot the view saw is still the current one, the document is still in
the document cache, and the clock alone has not changed what it shows (a `since` window
moving on, a digest period ending). It holds no document of its own: what it keeps is small
and bounded, whatever requests arrive. Conditional GET, gzip and the headers come from
`answer.answer`, as in the view.
"""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from ..output.documents import DocumentCache
from ..view.corpus import Corpus
from ..view.query import PARAMETERS
from ..view.snapshot import Snapshot
from .answer import answer, max_age_until

_ENVIRON_KEY = "feeds.document"
# The only parameters an answer depends on: others (utm_*, cache busters) never make an entry.
_QUERY_NAMES = frozenset(("limit", "page", "period", *PARAMETERS))
_MAX_KEY_TEXT = 512  # requests with longer paths, queries or headers are not remembered


@dataclass(frozen=True, slots=True)
class _Known:
    """Which cached document answered one kind of request, and for which snapshot."""

    document_key: Hashable
    etag: str
    use_gzip: bool
    snapshot: Snapshot
    section: tuple[str, str]
    changes_at: datetime | None  # when the clock alone changes the answer


def remember(environ: dict, document_key: Hashable, etag: str, use_gzip: bool,
             snapshot: Snapshot, section: tuple[str, str],
             changes_at: datetime | None = None) -> None:
    """Note, for the fast path, which cached document answered this request."""
    environ[_ENVIRON_KEY] = _Known(document_key, etag, use_gzip, snapshot, section, changes_at)


class FastPath:
    """Wraps the Flask WSGI app; answers known requests without it."""

    def __init__(self, app: Callable, corpus: Corpus, documents: DocumentCache, max_age: int,
                 max_entries: int = 4096):
        self.app = app
        self.corpus = corpus
        self.documents = documents
        self.max_age = max_age
        self.max_entries = max_entries
        self._known: dict[tuple, _Known] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method != "GET" and method != "HEAD":
            return self.app(environ, start_response)
        key = self._key(environ)
        known = self._known.get(key) if key is not None else None
        if known is not None and known.snapshot is self.corpus.current and (
                known.changes_at is None or datetime.now(UTC) < known.changes_at):
            document = self.documents.peek(known.document_key)
            if document is not None and document.etag == known.etag:
                max_age = max_age_until(known.snapshot, self.max_age, known.section,
                                        known.changes_at)
                status, headers, body = answer(document, known.use_gzip, max_age, environ)
                environ[_ENVIRON_KEY] = known  # for the middleware outside: what answered
                start_response(status, headers)
                return [body] if method == "GET" else []
        result = self.app(environ, start_response)
        known = environ.get(_ENVIRON_KEY)
        if known is not None and key is not None:
            if len(self._known) >= self.max_entries:
                self._known.clear()
            self._known[key] = known
        return result

    def _key(self, environ: dict) -> tuple | None:
        """What the answer depends on, or None for a request not worth remembering."""
        query = environ.get("QUERY_STRING", "")
        texts = (environ.get("PATH_INFO", ""), query, environ.get("HTTP_ACCEPT_ENCODING", ""),
                 environ.get("HTTP_HOST", ""))
        if sum(len(text) for text in texts) > _MAX_KEY_TEXT:
            return None
        params = tuple(sorted(pair for pair in parse_qsl(query, keep_blank_values=True)
                              if pair[0] in _QUERY_NAMES)) if query else ()
        return (texts[0], params, texts[2], texts[3], environ.get("wsgi.url_scheme"),
                environ.get("SCRIPT_NAME", ""))

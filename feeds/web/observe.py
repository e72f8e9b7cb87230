"""Every request observed without slowing it: the WSGI middleware notes a few values in a
bounded queue; a daemon thread in each worker turns them into metrics, the JSON access log
and the audience counts."""

import json
import logging
import os
import sqlite3
import threading
import time
from collections import Counter, deque
from collections.abc import Hashable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from ..output.keys import Key
from ..trust import UnsafeFile
from .audience import Audience, Poll, feed_of_document
from .audience_store import AudienceStore
from .fastpath import DOCUMENT_KEY, FAST_KEY
from .state import FeedsState

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .metrics import Metrics

log = logging.getLogger(__name__)
access_log = logging.getLogger("feeds.access")
MAX_PENDING = 20_000  # requests waiting for the thread; more are left out (and counted)
MAX_TEXT = 512  # characters kept of a path, query, User-Agent or Referer
DRAIN_SECONDS = 0.25
WRITE_SECONDS = 5.0  # how often the audience counts reach the store
_ROUTES = {"/healthz": "health", "/metrics": "metrics", "/stats": "stats", "/stats.json": "stats",
           "/stats.csv": "stats"}
_FORMATS = {"opml": "opml", "news": "json"}  # of the documents that are no feed and no page


class Event(NamedTuple):
    """One answered request, as the middleware saw it (queued as a plain tuple: cheaper)."""

    when: float
    seconds: float
    method: str
    path: str
    query: str
    status: str
    headers: list[tuple[str, str]]
    address: str
    user_agent: str
    referer: str
    conditional: bool
    document_key: Hashable  # the cached document that answered, or None
    rendered: bool  # answered by Flask, not by the fast path

    @property
    def length(self) -> str:
        """The Content-Length sent, or ''."""
        return next((value for name, value in self.headers if name == "Content-Length"), "")


# Positions in a queued tuple: what makes two requests alike is all but when, how long it
# took and the headers sent (a list, and the same for the same request).
Fields = tuple[Any, ...]  # an Event's, in its order
_METHOD, _HEADERS, _RENDERED = (Event._fields.index(name) for name in
                                ("method", "headers", "rendered"))


class Recorder:
    """The queue, and the thread of this process that empties it."""

    def __init__(self, state: FeedsState):
        self.state = state
        settings = state.settings
        self.counting = bool(settings.state_dir and settings.audience_days) and _usable(
            settings.state_dir)
        self.metrics: Metrics | None = None
        self.audience: Audience | None = None
        self._pending: deque[Fields] = deque()
        self._uncounted = 0
        self._reloads = self._failures = 0  # of the corpus, as the metrics have them
        self._running = False  # this process's thread; a forked child has none
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._forked)
        if settings.access_log:
            access_log.setLevel(logging.INFO)
            if not access_log.handlers:  # one line a request on stderr, nothing around it
                handler = logging.StreamHandler()
                handler.setFormatter(logging.Formatter("%(message)s"))
                access_log.addHandler(handler)
                access_log.propagate = False

    def record(self, event: Fields) -> None:
        """Queue an Event's fields for the thread (started in this process at its first
        request)."""
        if not self._running:
            self.ensure_started()
        if len(self._pending) < MAX_PENDING:
            self._pending.append(event)
        else:
            self._uncounted += 1

    def ensure_started(self) -> None:
        """Start this process's thread unless it runs: after a fork, the parent's is not here."""
        with self._lock:
            if self._running:
                return
            from .metrics import Metrics  # now, in the worker: see metrics.py

            self.metrics = self.metrics or Metrics()
            self._pending.clear()
            self.audience = Audience(self.state.settings.state_dir,
                                     self.state.settings.audience_days) if self.counting else None
            self._running = True
            threading.Thread(target=self._run, name="feeds-observer", daemon=True).start()

    def _forked(self) -> None:
        """In a forked child: no thread runs here yet, and the parent's queue is not ours."""
        self._running = False
        self._lock = threading.Lock()

    def _run(self) -> None:
        """Drain the queue every DRAIN_SECONDS; write the counts every WRITE_SECONDS."""
        written = time.monotonic()
        while True:
            time.sleep(DRAIN_SECONDS)
            try:
                self.drain()
                self._sample()
                if self.audience is not None and time.monotonic() - written >= WRITE_SECONDS:
                    written = time.monotonic()
                    self.audience.flush()
            except Exception:  # a full disk, a locked database: log it, keep serving
                log.exception("observing requests failed; the next round tries again")

    def drain(self) -> None:
        """Turn every queued event into metrics, a log line and a poll. Without the access
        log, repeats of one request (a client polling again and again) are taken together,
        and requests are added to the shared counters once a key."""
        metrics = self.metrics
        assert metrics is not None
        events = []
        while self._pending:
            events.append(self._pending.popleft())
        logging_each = self.state.settings.access_log
        requests: Counter[tuple[str, str, str]] = Counter()
        for fields, first, number in (((e, e[0], 1) for e in events) if logging_each
                                      else _alike(events)):
            event = _event(fields)
            route, fmt, feed = _describe(event)
            status = event.status[:3]
            requests[route, fmt, status] += number
            if event.rendered:
                metrics.render_seconds.labels(route).observe(event.seconds)
            if logging_each:
                access_log.info("%s", _log_line(event, route, fmt, feed))
            if self.audience is not None and feed and status in ("200", "304"):
                for when in {first, event.when}:
                    self.audience.add(Poll(when, feed, fmt, event.address, event.user_agent,
                                           event.conditional or status == "304"))
        for (route, fmt, status), number in requests.items():
            metrics.requests.labels(route, fmt, status).inc(number)
            if status == "304":
                metrics.not_modified.labels(route, fmt).inc(number)

    def _sample(self) -> None:
        """Set the gauges and the reload metrics from this process's state."""
        metrics, corpus = self.metrics, self.state.corpus
        assert metrics is not None
        snapshot = corpus.current
        if snapshot is not None:
            for name, value in (("read", snapshot.seed_count),
                                ("published", snapshot.published_count),
                                ("invalid", len(snapshot.invalid))):
                metrics.seeds.labels(name).set(value)
        metrics.view_age.set((datetime.now(UTC) - corpus.scanned_at).total_seconds())
        held, entries = self.state.documents.usage()
        metrics.cache_bytes.set(held)
        metrics.cache_entries.set(entries)
        if corpus.reloads > self._reloads:
            metrics.reload_seconds.observe(corpus.last_reload_seconds)
            self._reloads = corpus.reloads
        if corpus.reload_failures > self._failures:
            metrics.reload_errors.inc(corpus.reload_failures - self._failures)
            self._failures = corpus.reload_failures
        uncounted = self._uncounted + (self.audience.dropped if self.audience else 0)
        self._uncounted = 0
        if self.audience:
            self.audience.dropped = 0
        if uncounted:
            metrics.uncounted.inc(uncounted)


class Observer:
    """WSGI middleware: times each request and queues what it was, after the answer is made."""

    def __init__(self, app: "WSGIApplication", recorder: Recorder):
        self.app = app
        self.recorder = recorder

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse"
                 ) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: list[Any] = []

        def observed(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, *exc_info)

        result = self.app(environ, observed)
        status, headers = seen or ("500", [])
        known = environ.get(DOCUMENT_KEY)
        text = environ.get  # each cut now: a queued request holds at most MAX_TEXT of each
        self.recorder.record((
            time.time(), time.perf_counter() - started, text("REQUEST_METHOD", "")[:MAX_TEXT],
            text("PATH_INFO", "")[:MAX_TEXT], text("QUERY_STRING", "")[:MAX_TEXT], status,
            headers, text("REMOTE_ADDR", "")[:MAX_TEXT], text("HTTP_USER_AGENT", "")[:MAX_TEXT],
            text("HTTP_REFERER", "")[:MAX_TEXT],
            "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ,
            known.document_key if known is not None else None,
            FAST_KEY not in environ))  # Flask answered, not the fast path
        return result


def _usable(state_dir: str) -> bool:
    """Whether the audience store in state_dir can be opened; if not, why is logged."""
    try:
        AudienceStore(state_dir).close()
    except (OSError, UnsafeFile, sqlite3.Error) as error:
        log.error("no audience counts: %s/audience.sqlite3 cannot be used (%s)", state_dir, error)
        return False
    return True


def _alike(events: list[Fields]) -> list[tuple[Fields, float, int]]:
    """(the latest, the earliest time, how many) of events alike but for their times; a
    request Flask answered stays apart (its render time counts)."""
    groups: dict[tuple[Any, ...], list[Any]] = {}  # alike: [the latest, first time, number]
    for fields in events:
        key = (*fields[_METHOD:_HEADERS], *fields[_HEADERS + 1:]) if not fields[_RENDERED] \
            else (len(groups), fields[0])
        group = groups.get(key)
        if group is None:
            groups[key] = [fields, fields[0], 1]
        else:
            group[0] = fields
            group[2] += 1
    return [(fields, first, number) for fields, first, number in groups.values()]


def _event(fields: Fields) -> Event:
    """The Event of a queued tuple (its texts cut to MAX_TEXT as it was queued)."""
    return Event._make(fields)


def _describe(event: Event) -> tuple[str, str, str]:
    """(route kind, format, feed name or '') of an event."""
    key = event.document_key
    if isinstance(key, Key):
        feed = feed_of_document(key) if event.method in ("GET", "HEAD") else None
        fmt = str(key.get("fmt")) if key.route == "feed" else _FORMATS.get(key.route, "html")
        return key.route, fmt, feed[0] if feed else ""
    route = _ROUTES.get(event.path, "static" if event.path.startswith("/static/") else "other")
    return route, "", ""


def _log_line(event: Event, route: str, fmt: str, feed: str) -> str:
    """The JSON access log line: the fields of deploy/nginx.conf's log, and the app's own."""
    return json.dumps({
        "time": datetime.fromtimestamp(event.when, UTC).isoformat(timespec="milliseconds"),
        "remote_addr": event.address, "method": event.method,
        "uri": f"{event.path}?{event.query}" if event.query else event.path,
        "status": int(event.status[:3]), "body_bytes": event.length,
        "request_time": round(event.seconds, 6), "user_agent": event.user_agent,
        "referer": event.referer, "conditional": event.conditional,
        "route": route, "format": fmt, "feed": feed}, ensure_ascii=False)

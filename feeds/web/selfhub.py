"""The hub of its own (`WEBSUB_HUB=self`): one process of all that share STATE_DIR calls back.

Each process may take requests (they go into the store); the one holding the lock on
STATE_DIR/websub.lock is the dispatcher. After each new snapshot (and when a `since` window
or a digest period ends, and when another instance pings) it renders the subscribed topics
the change may touch, compares each with what it last showed, owes the subscribers of every
changed one its new document, and sends what is owed from a bounded pool of threads: a
callback that is slow or hostile takes one thread for at most TIMEOUT_SECONDS, never a
request, a reload, or another callback's turn.
"""

import fcntl
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from ..output.documents import Document
from ..output.urls import HUB_PATH, absolute
from ..settings import Settings
from ..view.corpus import Corpus
from ..view.snapshot import Snapshot
from .deliver import backoff, push_and_report, verify_and_report
from .hubstore import Delivery, HubStore, Intent
from .topics import NotATopic, Rendered, Topic, affected, read_topic, render_topic

log = logging.getLogger(__name__)
MAX_IN_FLIGHT = 16  # callbacks called at once
MAX_IN_FLIGHT_A_HOST = 2  # of them to one host
POLL_SECONDS = 0.25  # how often the dispatcher looks for requests from other processes
MAX_CHANGED = 10_000  # changed sections remembered before it means "look at everything"
MAX_RENDERED_BYTES = 64 * 1024 * 1024  # of documents kept for deliveries
EXPIRE_SECONDS = 10  # between clearings of expired subscriptions
EVERYTHING = None


class SelfHub:
    """The hub: takes requests from any process, calls back from one."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.url = absolute(settings.base_url, HUB_PATH)
        self.store = HubStore(settings.state_dir)
        self.corpus: Corpus | None = None  # the factory sets it once the corpus exists
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._wake = threading.Event()
        self._changed: set[tuple[str, str]] | None = EVERYTHING
        self._fresh = False  # a topic may have its first subscriber
        self._expired_at = 0.0
        self._read_at = float("-inf")
        self._due: dict[str, datetime] = {}  # topics the clock alone changes, and when
        self._rendered: dict[str, Rendered] = {}
        self._rendered_for: Snapshot | None = None
        self._rendered_bytes = 0  # about: a document rendered again is counted again
        self._in_flight: set[tuple[str, str]] = set()
        self._hosts: Counter[str] = Counter()

    def elect_one_process(self) -> None:
        """Nothing to do: the lock in STATE_DIR elects the dispatcher, across instances too."""

    def publish_sections(self, changed: list[tuple[str, str]]) -> None:
        """After a reload: note the sections that changed, for the dispatcher."""
        with self._lock:
            if self._changed is not EVERYTHING:
                self._changed.update(changed)
                if len(self._changed) > MAX_CHANGED:
                    self._changed = EVERYTHING
        self.start()
        self._wake.set()

    def wake(self) -> None:
        """Let the dispatcher look now (a request came in this process)."""
        self.start()
        self._wake.set()

    def start(self) -> None:
        """Start this process's candidate dispatcher (again after a fork)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._in_flight, self._hosts = set(), Counter()
        threading.Thread(target=self._candidate, name="websub-hub", daemon=True).start()

    def _candidate(self) -> None:
        """Wait to hold the lock, then dispatch for as long as this process lives."""
        path = Path(self.settings.state_dir) / "websub.lock"
        self.store.topics(time.time())  # makes the folder, private, and checks it
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # held until this process ends
        log.info("WebSub: this process (%d) is the hub's dispatcher", os.getpid())
        with self._lock:
            self._changed = EVERYTHING
        pool = ThreadPoolExecutor(MAX_IN_FLIGHT, thread_name_prefix="websub-call")
        while True:
            try:
                self._round(pool)
            except Exception:  # a bug, or the disk: logged, and the hub goes on
                log.exception("WebSub: the hub's dispatcher failed a round")
                with self._lock:
                    self._changed = EVERYTHING  # nothing a failed round took is lost
                time.sleep(1)
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def _round(self, pool: ThreadPoolExecutor) -> None:
        """Expire leases, act on pings and changes, then start what is owed."""
        now = time.time()
        if now >= self._expired_at + EXPIRE_SECONDS:  # leases end on time anyway: this tidies
            self._expired_at = now
            self.store.expire(now)
        if time.monotonic() >= self._read_at + 1 and self.store.pinged():
            self._read_at = time.monotonic()  # at most once a second, however many ping
            self._pinged()
        with self._lock:
            changed, self._changed = self._changed, set()
            fresh, self._fresh = self._fresh, False
        clock = datetime.now(UTC)
        due = {topic for topic, at in self._due.items() if at <= clock}
        if changed or changed is EVERYTHING or due or fresh:
            self._compare(changed, due)
        self._dispatch(pool)

    def _pinged(self) -> None:
        """Another instance saw a change: read the seeds now; the reload tells
        publish_sections what changed."""
        if self.corpus is not None:
            self.corpus.refresh()

    def _snapshot(self) -> Snapshot:
        """The current view; the documents kept for deliveries are those of this view."""
        assert self.corpus is not None
        snapshot = self.corpus.snapshot()
        if snapshot is not self._rendered_for:
            self._rendered, self._rendered_for, self._rendered_bytes = {}, snapshot, 0
        return snapshot

    def _compare(self, changed: set[tuple[str, str]] | None, due: set[str]) -> None:
        """Render the topics changed or due, and owe each that shows news to its subscribers."""
        snapshot = self._snapshot()
        for url in due:  # _render notes the next moment again
            self._due.pop(url, None)
        for url in self.store.topics(time.time()):
            try:
                topic = read_topic(url, snapshot, self.settings)
            except NotATopic:  # no feed now (a 404): nothing to send
                continue
            shown = self.store.shown(url)
            if shown is not None and url not in due and changed is not None and \
                    not affected(topic, changed):
                continue
            rendered = self._render(url, topic, snapshot)
            if rendered is None or (shown is not None and rendered.document.etag == shown[0]):
                continue
            self.store.show(url, rendered.document.etag, rendered.entries)
            # A `since` window that only lost its oldest item is no news. The delivery waits
            # a reload, so that a GET from any worker returns what was pushed.
            if shown is not None and (topic.query.since is None or rendered.entries - shown[1]):
                self.store.owe(url, time.time(), self.settings.reload_seconds)

    def _render(self, url: str, topic: Topic, snapshot: Snapshot) -> Rendered | None:
        """The topic's document now, kept for its deliveries; its next clock change noted."""
        kept = self._rendered.get(url)
        clock = datetime.now(UTC)
        if kept is not None and (kept.changes_at is None or clock < kept.changes_at):
            return kept
        rendered = render_topic(topic, snapshot, self.settings, clock)
        self._due.pop(url, None)
        if rendered is not None:
            if rendered.changes_at is not None:
                self._due[url] = rendered.changes_at
            self._rendered_bytes += len(rendered.document.body)
            if self._rendered_bytes > MAX_RENDERED_BYTES:
                self._rendered, self._rendered_bytes = {}, len(rendered.document.body)
            self._rendered[url] = rendered
        return rendered

    def _document(self, url: str) -> Document | None:
        """The topic's document as a GET returns it now, or None when it is no feed now."""
        snapshot = self._snapshot()
        try:
            rendered = self._render(url, read_topic(url, snapshot, self.settings), snapshot)
        except NotATopic:
            return None
        return rendered.document if rendered else None

    def _dispatch(self, pool: ThreadPoolExecutor) -> None:
        """Start verifications and due deliveries, within the limits of calls in flight."""
        for intent in self.store.intents(MAX_IN_FLIGHT * 4, MAX_IN_FLIGHT_A_HOST):
            self._start(pool, intent.callback, intent.topic, intent.host,
                        partial(self._verify, intent))
        for delivery in self.store.due(time.time(), MAX_IN_FLIGHT * 4, MAX_IN_FLIGHT_A_HOST):
            if self._busy(delivery.callback, delivery.topic, delivery.host):
                continue
            document = self._document(delivery.topic)
            if document is None:
                log.info("WebSub: %s is no feed now; nothing sent", delivery.topic)
                self.store.done(delivery)
                continue
            self._start(pool, delivery.callback, delivery.topic, delivery.host,
                        partial(self._push, delivery, document))

    def _busy(self, callback: str, topic: str, host: str) -> bool:
        """Whether no call to callback for topic may start now."""
        with self._lock:
            return ((callback, topic) in self._in_flight or len(self._in_flight) >= MAX_IN_FLIGHT
                    or self._hosts[host] >= MAX_IN_FLIGHT_A_HOST)

    def _start(self, pool: ThreadPoolExecutor, callback: str, topic: str, host: str,
               job: Callable[[], None]) -> None:
        """Run job in the pool unless the limits say wait; note it in flight until it ends."""
        if self._busy(callback, topic, host):
            return
        with self._lock:
            self._in_flight.add((callback, topic))
            self._hosts[host] += 1

        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("WebSub: a call to %s failed", callback)
            finally:
                with self._lock:
                    self._in_flight.discard((callback, topic))
                    self._hosts[host] -= 1
                self._wake.set()

        pool.submit(run)

    def _verify(self, intent: Intent) -> None:
        """Check the intent at its callback; a confirmed one takes effect."""
        try:
            if verify_and_report(intent, self.settings.hub_allow_private):
                if intent.mode == "subscribe":
                    self.store.subscribe(intent, time.time() + intent.lease)
                    self._fresh = True  # note what the topic shows now, to compare with
                    log.info("WebSub: %s subscribed to %s", intent.callback, intent.topic)
                else:
                    self.store.unsubscribe(intent.callback, intent.topic)
                    log.info("WebSub: %s unsubscribed from %s", intent.callback, intent.topic)
        finally:
            self.store.forget(intent)

    def _push(self, delivery: Delivery, document: Document) -> None:
        """Send the document; a failure is retried with backoff until HUB_RETRY_SECONDS."""
        if push_and_report(delivery, document, self.url, self.settings.hub_allow_private):
            self.store.done(delivery)
            return
        wait = backoff(delivery.attempts)
        if time.time() + wait - delivery.first_at > self.settings.hub_retry_seconds:
            log.warning("WebSub: delivery of %s to %s dropped after %d attempts",
                        delivery.topic, delivery.callback, delivery.attempts + 1)
            self.store.done(delivery)
        else:
            self.store.retry(delivery, time.time() + wait)

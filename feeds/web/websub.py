"""WebSub: tell the hub which feeds changed, from a background thread that never fails a request."""

import fcntl
import logging
import os
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from ..output.render import FORMATS
from ..output.urls import feed_url

log = logging.getLogger(__name__)
MAX_PENDING = 10_000  # URLs waiting for the hub, at most
MAX_URLS_A_PING = 500  # hub.url values in one request


class HubNotifier:
    """Sends `hub.mode=publish` pings to one hub, off the request path, one process at a time."""

    def __init__(self, hub: str, base_url: str, timeout: float = 5, delay: float = 0):
        self.hub = hub
        self.base_url = base_url
        self.timeout = timeout
        self.delay = delay  # lets every other process see the change before the hub fetches
        self._wake = threading.Condition()
        self._pending: dict[str, None] = {}  # the URLs to announce, in order, once each
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._ballot: int | None = None
        self._vote: tuple[int, int] | None = None

    def elect_one_process(self) -> None:
        """Let only one of the processes forked after this send pings, so that a hub hears of
        each change once, not once per worker: the one that holds a lock on a file opened
        here. When that process dies, the next one with a ping to send takes over."""
        descriptor, path = tempfile.mkstemp(prefix="seed-feeds-websub-")
        os.unlink(path)
        self._ballot = descriptor

    def start(self) -> None:
        """Nothing to start: the sender starts with the first ping."""

    def _elected(self) -> bool:
        """Whether this process is the one that pings."""
        if self._ballot is None:
            return True
        if self._vote is None or self._vote[0] != os.getpid():
            # A descriptor of this process's own, so that the lock is not shared with siblings.
            self._vote = (os.getpid(), os.open(f"/proc/self/fd/{self._ballot}", os.O_RDONLY))
        try:
            fcntl.flock(self._vote[1], fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def publish_sections(self, changed: list[tuple[str, str]]) -> None:
        """Announce every format of each changed (kind, slug) feed."""
        self.publish([feed_url(self.base_url, kind, slug, fmt)
                      for kind, slug in changed for fmt in FORMATS])

    def publish(self, urls: list[str]) -> None:
        """Add urls to the pending set, when this process is the one that pings; returns at once.

        Changes that come while a ping waits are merged into it: however many come, one set
        of URLs waits, at most MAX_PENDING of them (beyond that a change is logged and
        dropped), sent `delay` seconds after the first of them, MAX_URLS_A_PING to a request.
        """
        if urls and self._elected():
            self._ensure_thread()
            with self._wake:
                room = MAX_PENDING - len(self._pending)
                fresh = [url for url in dict.fromkeys(urls) if url not in self._pending]
                if len(fresh) > room:
                    log.warning("WebSub: %d feeds already wait for the hub; %d more dropped",
                                len(self._pending), len(fresh) - room)
                self._pending.update(dict.fromkeys(fresh[:max(0, room)]))
                self._wake.notify()

    def _ensure_thread(self) -> None:
        """Start the sender in this process (again after a fork)."""
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._wake = threading.Condition()
                self._pending = {}
                threading.Thread(target=self._send_forever, name="websub", daemon=True).start()

    def _send_forever(self) -> None:
        """Wait for a change, let `delay` pass (merging what comes meanwhile), send them all;
        failures are logged, never raised."""
        while True:
            with self._wake:
                self._wake.wait_for(lambda: bool(self._pending))
            time.sleep(self.delay)
            with self._wake:
                urls, self._pending = list(self._pending), {}
            for start in range(0, len(urls), MAX_URLS_A_PING):
                self._send(urls[start:start + MAX_URLS_A_PING])

    def _send(self, urls: list[str]) -> None:
        """POST one publish ping naming every url."""
        data = urllib.parse.urlencode([("hub.mode", "publish")] + [("hub.url", u) for u in urls])
        try:
            request = urllib.request.Request(self.hub, data=data.encode(), method="POST", headers={
                "Content-Type": "application/x-www-form-urlencoded"})
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                log.info("WebSub hub %s took %d feeds: %s", self.hub, len(urls), response.status)
        except (OSError, ValueError, urllib.error.URLError) as error:
            log.warning("WebSub hub %s did not take the ping: %s", self.hub, error)

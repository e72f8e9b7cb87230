"""WebSub: tell the hub which feeds changed, from a background thread that never fails a request."""

import fcntl
import logging
import os
import queue
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from ..output.render import FORMATS
from ..output.urls import feed_url

log = logging.getLogger(__name__)


class HubNotifier:
    """Sends `hub.mode=publish` pings to one hub, off the request path, one process at a time."""

    def __init__(self, hub: str, base_url: str, timeout: float = 5, delay: float = 0):
        self.hub = hub
        self.base_url = base_url
        self.timeout = timeout
        self.delay = delay  # lets every other process see the change before the hub fetches
        self._queue: queue.SimpleQueue[list[str]] = queue.SimpleQueue()
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
        """Queue a ping for every format of each changed (kind, slug) feed."""
        self.publish([feed_url(self.base_url, kind, slug, fmt)
                      for kind, slug in changed for fmt in FORMATS])

    def publish(self, urls: list[str]) -> None:
        """Queue a ping naming urls, when this process is the one that pings; returns at once."""
        if urls and self._elected():
            self._ensure_thread()
            self._queue.put(urls)

    def _ensure_thread(self) -> None:
        """Start the sender in this process (again after a fork)."""
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._queue = queue.SimpleQueue()
                threading.Thread(target=self._send_forever, name="websub", daemon=True).start()

    def _send_forever(self) -> None:
        """Send queued pings one by one; failures are logged, never raised."""
        pings = self._queue
        while True:
            urls = pings.get()
            time.sleep(self.delay)
            self._send(urls)

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

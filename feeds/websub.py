"""WebSub: tell the hub which feeds changed, from a background thread that never fails a request."""

import logging
import os
import queue
import threading
import urllib.error
import urllib.parse
import urllib.request

from .urls import FORMATS, absolute, feed_path

log = logging.getLogger(__name__)


class HubNotifier:
    """Sends `hub.mode=publish` pings to one hub, off the request path, one process at a time."""

    def __init__(self, hub: str, base_url: str = "", timeout: float = 5):
        self.hub = hub
        self.base_url = base_url
        self.timeout = timeout
        self._queue: queue.SimpleQueue[list[str]] = queue.SimpleQueue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def seen(self, root_url: str) -> None:
        """Remember the root URL requests arrive at, for when BASE_URL is not set."""
        self.base_url = root_url

    def publish_sections(self, changed: list[tuple[str, str]]) -> None:
        """Queue a ping for every format of each changed (kind, slug) feed."""
        if self.base_url:
            self.publish([absolute(self.base_url, feed_path(kind, slug, fmt))
                          for kind, slug in changed for fmt in FORMATS])
        elif changed:
            log.warning("WebSub: no BASE_URL and no request yet, so no feed URL to ping with")

    def publish(self, urls: list[str]) -> None:
        """Queue a ping naming urls; returns at once."""
        if urls:
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
            self._send(pings.get())

    def _send(self, urls: list[str]) -> None:
        """POST one publish ping naming every url."""
        data = urllib.parse.urlencode([("hub.mode", "publish")] + [("hub.url", u) for u in urls])
        request = urllib.request.Request(self.hub, data=data.encode(), method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                log.info("WebSub hub %s took %d feeds: %s", self.hub, len(urls), response.status)
        except (OSError, urllib.error.URLError) as error:
            log.warning("WebSub hub %s did not take the ping: %s", self.hub, error)

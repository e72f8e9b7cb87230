"""When a corpus walks, follows the ring, or reads a seed again; which process watches."""

import logging
import time
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .changes import EVENTS, NOBODY, WALKING, ChangeRing
from .decide import walk_due
from .events import EventWatcher

log = logging.getLogger(__name__)

FOLLOW_SECONDS = 0.25  # how often a process reads the ring
STALE_SECONDS = 10  # a watcher not heard from for this long is taken as gone


class Reloading:
    """The part of a corpus that decides when to walk and whom to follow."""

    def __init__(self, seeds_dir: Path, reload_seconds: float, walk_seconds: float,
                 ring: ChangeRing | None, watch: bool):
        self.seeds_dir = seeds_dir  # resolved anew at every walk
        self._root = seeds_dir.resolve()
        self.reload_seconds = reload_seconds
        self.walk_seconds = walk_seconds
        self.walks = 0  # whole-folder walks by this process (tests count them)
        self.walked_monotonic = float("-inf")
        self._ring = ring
        self._events = EventWatcher(seeds_dir, ring) if ring is not None and watch else None
        if self._events is not None:  # its thread ends with the corpus
            weakref.finalize(self, self._events.stop)
        self._events_walked = False  # the walk after the events became ready is done
        self._settling: set[str] = set()
        self._unsettled: set[str] = set()
        self._retried_monotonic = float("-inf")

    def resolved_root(self) -> Path:
        """The seeds folder as it resolves now: a link that a deploy switched is followed."""
        root = self.seeds_dir.resolve(strict=True)
        if root != self._root:
            log.info("the seeds folder %s now leads to %s", self.seeds_dir, root)
            self._root = root
        return root

    def ring_names(self) -> list[str] | None:
        """The names the watcher wrote since this process last looked (None: walk); the
        watcher's own events started here if this process is the one elected."""
        if self._ring is None:
            return []
        if self._ring.elected():
            if self._events is not None and not self._events.running():
                self._events_walked = False
                self._events.start()
            if self._events is None or not self._events.ready.is_set():
                self._ring.beat(WALKING)  # alive, and walking for the others
        return self._ring.read()

    def is_watcher(self) -> bool:
        """Whether this process watches (and writes the parse cache)."""
        return self._ring is None or self._ring.elected()

    def walk_due(self) -> bool:
        """Whether this process walks the whole folder now (only a tick asks: a corpus
        without a ring never ticks, it walks at every load)."""
        assert self._ring is not None
        heard, _, mode = self._ring.watcher()
        ready = self._events is not None and self._events.ready.is_set()
        due = walk_due(self.is_watcher(), ready, ready and not self._events_walked,
                       mode == NOBODY or heard < self._stale_seconds(),
                       time.monotonic() - self.walked_monotonic, self.reload_seconds,
                       self.walk_seconds)
        return due

    def walked(self, changes: list[tuple[str, Any, Any]]) -> None:
        """After a walk: the watcher has the other processes read again what it found
        changed, and beats for them when it has no events."""
        self.walks += 1
        self.walked_monotonic = time.monotonic()
        if self._ring is None or not self._ring.holds():
            return
        if self._events is not None and self._events.ready.is_set():
            self._events_walked = True
        else:
            self._ring.beat(WALKING)
        self._ring.append(name for name, _, _ in changes)
        self._ring.skip()  # what it wrote, it has read

    def settling(self) -> list[str]:
        """The seeds to read again now: those still being written, and (once a reload
        interval) those the system would not let be read."""
        again = list(self._settling)
        if self._unsettled and time.monotonic() - self._retried_monotonic >= self.reload_seconds:
            self._retried_monotonic = time.monotonic()
            again += self._unsettled
        return again

    def settle(self, settling: set[str], covered: set[str] | None) -> None:
        """Note the seeds a reading left still being written."""
        if covered is None:
            self._settling = set(settling)
            self._unsettled = set()
        else:
            self._settling = (self._settling - covered) | settling
            self._unsettled -= covered

    def unsettled(self, names: Iterable[str]) -> None:
        """Note names whose reading failed in a way that may pass."""
        self._unsettled.update(names)

    def _stale_seconds(self) -> float:
        """How long a watcher may go unheard before it is taken as gone."""
        return max(STALE_SECONDS, 3 * self.reload_seconds)

    def follow_seconds(self) -> float:
        """Until this process reads the ring again (a corpus with a ring: none other asks)."""
        return FOLLOW_SECONDS

    def watch_problems(self) -> tuple[str, ...]:
        """What /healthz lists as a problem: a watcher that stopped beating (every process
        walks meanwhile). Events that failed are not one: the watcher walks instead, and
        watch_state says so."""
        if self._ring is None:
            return ()
        heard, pid, mode = self._ring.watcher()
        if mode != NOBODY and heard >= self._stale_seconds():
            return (f"the watching process {pid} was last heard from {heard:.0f} s ago; each "
                    f"process walks the folder every {self.reload_seconds:g} s",)
        return ()

    def watch_state(self) -> dict[str, Any]:
        """How changes are learned, for /healthz."""
        if self._ring is None:
            return {"changes": "walk at every request", "walks": self.walks}
        heard, pid, mode = self._ring.watcher()
        how = {EVENTS: "file events", WALKING: "walks"}.get(mode, "not yet watched")
        failed = self._events.error if self._events is not None and self._ring.holds() else None
        return {"changes": how, **({"events": failed} if failed else {}), "watcher": pid or None,
                "watcher_heard": round(heard, 1) if heard != float("inf") else None,
                "walks": self.walks}

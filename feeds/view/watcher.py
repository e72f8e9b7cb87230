"""The background scanner: one daemon thread a process keeps a corpus fresh (again after a fork)."""

import os
import threading
import time
import weakref
from typing import Protocol


class Watched(Protocol):
    """What the watcher needs of a corpus."""

    def catch_up(self) -> None: ...
    def seconds_to_next_refresh(self) -> float: ...
    def tick(self) -> None: ...
    def save_cache(self) -> None: ...
    def prepare(self) -> None: ...
    def failed(self, reason: str, error: BaseException | None = None) -> None: ...


class Watcher:
    """Refreshes a corpus whenever due, from a daemon thread started in each process that asks
    (so a forked worker starts its own); it holds the corpus weakly and ends with it."""

    def __init__(self, corpus: Watched):
        self._corpus = weakref.ref(corpus)
        self._pid: int | None = None
        self._lock = threading.Lock()

    def ensure_running(self) -> None:
        """Start this process's thread unless it runs, catching up first if the view is old
        (a worker forked from a launcher long ago)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            corpus = self._corpus()
            if self._pid != os.getpid() and corpus is not None:
                corpus.catch_up()
                self._pid = os.getpid()
                threading.Thread(target=_watch, args=(self._corpus,), name="seed-reloader",
                                 daemon=True).start()


def _watch(corpus_ref: "weakref.ref[Watched]") -> None:
    """Refresh the corpus whenever due, until it is gone, preparing each new view before the
    requests that need it; errors are noted, never raised."""
    refresh = False
    while (corpus := corpus_ref()) is not None:
        try:
            if refresh:
                corpus.tick()
                corpus.save_cache()
            corpus.prepare()
        except Exception as error:  # a bug: the reason and its traceback, logged once
            corpus.failed(f"{type(error).__name__}: {error}"[:300], error)
        wait = corpus.seconds_to_next_refresh()
        del corpus
        time.sleep(wait)
        refresh = True

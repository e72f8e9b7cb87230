"""Operator metrics: the official prometheus-client, in its mode for several worker processes
when PROMETHEUS_MULTIPROC_DIR is set (`serve` sets it up before its workers fork).

Imported only once a worker runs (observe.py, stats.py), never while the app is built: the
client chooses between one process and many when it is first imported.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..ingest.forking import running

CONTENT_TYPE = CONTENT_TYPE_LATEST
_REQUEST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
_RELOAD_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120)


def shared_folder() -> str:
    """The folder the worker processes share their values in; empty: one process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class Metrics:
    """Every metric the server keeps; in one process, its own registry."""

    def __init__(self) -> None:
        self.registry = None if shared_folder() else CollectorRegistry()
        registry = self.registry
        self.requests = Counter("feeds_requests", "Requests answered, by route kind, format "
                                "and status.", ["route", "format", "status"], registry=registry)
        self.not_modified = Counter("feeds_not_modified", "Requests answered 304 Not Modified, "
                                    "by route kind and format.", ["route", "format"],
                                    registry=registry)
        self.render_seconds = Histogram("feeds_render_seconds", "Seconds the app took to "
                                        "answer a request the fast path did not (a render or "
                                        "a cached document), by route kind.", ["route"],
                                        buckets=_REQUEST_BUCKETS, registry=registry)
        self.reload_seconds = Histogram("feeds_reload_seconds", "Seconds a scan of the seeds "
                                        "folder took.", buckets=_RELOAD_BUCKETS,
                                        registry=registry)
        self.reload_errors = Counter("feeds_reload_errors", "Scans of the seeds folder that "
                                     "failed.", registry=registry)
        self.seeds = Gauge("feeds_seeds", "Seeds in the served view: read, published, "
                           "invalid.", ["state"], multiprocess_mode="livemax", registry=registry)
        self.view_age = Gauge("feeds_view_age_seconds", "Seconds since the served view was "
                              "last confirmed current (its last successful scan); the oldest "
                              "worker's.", multiprocess_mode="livemax", registry=registry)
        self.cache_bytes = Gauge("feeds_document_cache_bytes", "Bytes of rendered documents "
                                 "held, all workers.", multiprocess_mode="livesum",
                                 registry=registry)
        self.cache_entries = Gauge("feeds_document_cache_entries", "Rendered documents held, "
                                   "all workers.", multiprocess_mode="livesum", registry=registry)
        self.uncounted = Counter("feeds_audience_uncounted", "Requests left out of the "
                                 "audience counts because the queue or the tally was full.",
                                 registry=registry)


def exposition(metrics: Metrics, subscribers: Callable[[], dict[str, int]]) -> bytes:
    """The text format: every worker's values (or this process's), and the subscriber totals."""
    registry = CollectorRegistry()
    folder = shared_folder()
    if folder:
        forget_dead_workers(Path(folder))
        # prometheus_client leaves MultiProcessCollector unannotated
        multiprocess.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    else:
        assert metrics.registry is not None
        registry.register(_Everything(metrics.registry))
    registry.register(_Subscribers(subscribers))
    return generate_latest(registry)


def forget_dead_workers(folder: Path) -> None:
    """Drop the live gauges of worker processes that are gone (a respawn leaves them)."""
    for path in folder.glob("gauge_live*_*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not running(int(pid)):
            # prometheus_client leaves mark_process_dead unannotated
            multiprocess.mark_process_dead(int(pid), str(folder))  # type: ignore[no-untyped-call]


class _Everything(Collector):
    """Another registry's metrics."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()


class _Subscribers(Collector):
    """Today's subscriber totals for the site, read from the audience store when scraped."""

    def __init__(self, totals: Callable[[], dict[str, int]]):
        self.totals = totals

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("feeds_subscribers", "Subscribers of all feeds today: "
                                   "reported by aggregators, and individual readers.",
                                   labels=["source"])
        for source, value in self.totals().items():
            family.add_metric([source], value)
        yield family

"""Who polls which feed: polls tallied in memory, by day and salted client hash, then merged
into the audience store. The server's requests and the proxy's access log both end here."""

import hashlib
import logging
import time
from collections.abc import Hashable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from ..output.keys import Key, Subject
from ..output.urls import page_path, with_query
from ..view.query import Query
from .agents import AGGREGATOR, CRAWLER, classify
from .audience_store import AudienceStore
from .salt import Salts

log = logging.getLogger(__name__)
MAX_TALLY = 50_000  # clients and reports held between two writes; more are dropped
TIDY_SECONDS = 3600  # how often old days are reduced and pruned


class Poll(NamedTuple):
    """One answered GET of the first page of a feed."""

    when: float  # seconds since the epoch
    feed: str  # the feed's canonical path and query, without the format: /topics/ai?sort=heat
    format: str
    address: str
    user_agent: str
    conditional: bool  # sent If-None-Match or If-Modified-Since (or was answered 304)


def feed_name(kind: str, slug: str, pairs: tuple[tuple[str, str], ...] = ()) -> str:
    """A feed's name in the counts: its page's path (/feed for the site) with the query."""
    path = page_path(kind, slug)
    return with_query("/feed" if path == "/" else path, query=pairs)


@lru_cache(maxsize=4096)
def feed_of_document(key: Hashable) -> tuple[str, str] | None:
    """(feed name, format) of a cached feed document's key (a FeedPage's), first pages only."""
    if not isinstance(key, Key) or key.route != "feed" or key.get("page") != 1:
        return None
    section, query = key.get("section"), key.get("query")
    assert isinstance(section, Subject) and isinstance(query, Query)
    return feed_name(section.kind, section.slug, tuple(query.pairs())), str(key.get("fmt"))


class Audience:
    """Polls tallied in bounded memory, written to the store by flush()."""

    def __init__(self, state_dir: str, days_kept: int):
        self.store = AudienceStore(state_dir)
        self.salts = Salts(state_dir)
        self.days_kept = days_kept
        self.dropped = 0
        # (day, feed, format, hash): [service, kind, first seen, last seen, conditional]
        self._clients: dict[tuple[str, str, str, bytes], list[Any]] = {}
        # (day, feed, format, service, feed id): [subscribers, seen]
        self._reports: dict[tuple[str, str, str, str, str], list[int]] = {}
        self._tidied = float("-inf")
        self._salts: dict[str, bytes] = {}  # this tally's, by day

    def add(self, poll: Poll) -> None:
        """Count one poll: a crawler not at all, an aggregator's report, or a client."""
        client = classify(poll.user_agent)
        if client.kind == CRAWLER:
            return
        seen = int(poll.when)
        if not self._kept(seen):
            return
        if len(self._clients) + len(self._reports) >= MAX_TALLY:
            self.dropped += 1
            return
        day = _day(seen // 86400)
        if client.kind == AGGREGATOR and client.subscribers is not None:
            fetcher = (day, poll.feed, poll.format, client.service, client.feed_id)
            report = self._reports.setdefault(fetcher, [client.subscribers, seen])
            if seen >= report[1]:
                report[:] = [client.subscribers, seen]
            return
        salt = self._salts.get(day)
        if salt is None:
            if len(self._salts) >= 4:
                self._salts.clear()
            salt = self._salts[day] = self.salts.of(day, _today())
        hashed = hashlib.blake2b(f"{poll.address}\n{poll.user_agent}".encode(),
                                 key=salt, digest_size=16).digest()
        key = (day, poll.feed, poll.format, hashed)
        row = self._clients.setdefault(key, [client.service, client.kind, seen, seen, 0])
        row[2], row[3] = min(row[2], seen), max(row[3], seen)
        row[4] = max(row[4], int(poll.conditional))

    def _kept(self, seen: int) -> bool:
        """Whether a poll at seen falls in the days counted: none in the future (a salt and
        rows that no pruning would reach) or before the days kept."""
        now = time.time()
        return now - self.days_kept * 86400 <= seen <= now + 86400

    def flush(self) -> None:
        """Write what was tallied; once an hour, reduce and prune old days."""
        if self._clients or self._reports:
            clients = [(*key, *row) for key, row in self._clients.items()]
            reports = [(*key, *row) for key, row in self._reports.items()]
            self._clients, self._reports = {}, {}
            self.store.merge(clients, reports)
        if time.monotonic() - self._tidied >= TIDY_SECONDS:
            self.tidy()

    def tidy(self) -> None:
        """Reduce days whose salt is gone to counts; forget days past days_kept."""
        self._tidied = time.monotonic()
        today = _today()
        self.store.reduce_before((today - timedelta(days=1)).isoformat())
        self.store.prune_before((today - timedelta(days=self.days_kept - 1)).isoformat())


@lru_cache(maxsize=16)
def _day(number: int) -> str:
    """YYYY-MM-DD of a day counted from the epoch."""
    return (date(1970, 1, 1) + timedelta(days=number)).isoformat()


def _today() -> date:
    """Today in UTC."""
    return datetime.now(UTC).date()

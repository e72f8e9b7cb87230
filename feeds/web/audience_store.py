"""The audience counts in SQLite (STATE_DIR/audience.sqlite3): written by every worker and
instance, merged so that order and repeats never matter, reduced and pruned by day.

Every write is an upsert that keeps the earliest first poll, the latest last poll and the
latest report of a fetcher: two processes writing the same client, or a log read twice,
give the same counts. Client rows (a salted hash, never an address) live only while their
day's salt does (today and yesterday); older days are reduced to counts of readers.
"""

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .store import open_database

REPEAT_SECONDS = 3600  # a browser or unknown client that comes back this much later reads
MAX_CLIENT_ROWS = 200_000  # client rows a day; past this, new clients of that day are dropped
MAX_REPORT_ROWS = 20_000  # aggregator fetchers a day
EVERY = "*"  # the feed or format that stands for all of them

SCHEMA = """
CREATE TABLE IF NOT EXISTS clients (day TEXT, feed TEXT, format TEXT, client BLOB,
    service TEXT, kind TEXT, first_seen INTEGER, last_seen INTEGER, conditional INTEGER,
    PRIMARY KEY (day, feed, format, client)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reports (day TEXT, feed TEXT, format TEXT, service TEXT,
    fetcher TEXT, subscribers INTEGER, seen INTEGER,
    PRIMARY KEY (day, feed, format, service, fetcher)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS readers (day TEXT, feed TEXT, format TEXT, service TEXT,
    readers INTEGER, PRIMARY KEY (day, feed, format, service)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_positions (device INTEGER, inode INTEGER, position INTEGER,
    read_at INTEGER, PRIMARY KEY (device, inode));
"""
# A client is an individual reader of a feed on a day when it is a known reader, or comes back
# an hour after its first poll, or (not a browser) asks with validators, as a poller does.
_READS = (f"(kind = 'reader' OR last - first >= {REPEAT_SECONDS} "
          "OR (kind = 'other' AND conditional))")
_LEVELS = (("feed", "format"), ("feed", f"'{EVERY}'"), (f"'{EVERY}'", f"'{EVERY}'"))
_LIVE = " UNION ALL ".join(
    f"SELECT day, {feed}, {fmt}, service, COUNT(*) FROM (SELECT day, feed, format, service, "
    "kind, MIN(first_seen) AS first, MAX(last_seen) AS last, MAX(conditional) AS conditional "
    f"FROM clients WHERE day {{where}} GROUP BY day, {feed}, {fmt}, client) WHERE {_READS} "
    f"GROUP BY day, {feed}, {fmt}, service" for feed, fmt in _LEVELS)
_REPORTED = " UNION ALL ".join(
    f"SELECT day, {feed}, {fmt}, service, SUM(subscribers) FROM reports WHERE day >= ? "
    f"GROUP BY day, {feed}, {fmt}, service" for feed, fmt in _LEVELS)


@dataclass(frozen=True, slots=True, order=True)
class Count:
    """Subscribers of one feed (or every feed), one format (or all), one service, one day."""

    day: str
    feed: str
    format: str
    service: str
    reported: int  # what aggregators said
    readers: int  # distinct individual readers

    @property
    def subscribers(self) -> int:
        """Both together."""
        return self.reported + self.readers


class AudienceStore:
    """The audience database of one STATE_DIR."""

    def __init__(self, state_dir: str):
        self.connection = open_database(state_dir, "audience")
        self.connection.executescript(SCHEMA)

    def merge(self, clients: Iterable[tuple[object, ...]],
              reports: Iterable[tuple[object, ...]]) -> None:
        """Add client rows (day, feed, format, hash, service, kind, first, last, conditional)
        and reports (day, feed, format, service, fetcher, subscribers, seen), in one
        transaction; a day already full takes no new rows."""
        with self._transaction() as connection:
            connection.executemany(
                "INSERT INTO clients SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE EXISTS "
                "(SELECT 1 FROM clients WHERE day = ?1 AND feed = ?2 AND format = ?3 AND "
                f"client = ?4) OR (SELECT COUNT(*) FROM clients WHERE day = ?1) < "
                f"{MAX_CLIENT_ROWS} ON CONFLICT DO UPDATE SET "
                "first_seen = MIN(first_seen, excluded.first_seen), "
                "last_seen = MAX(last_seen, excluded.last_seen), "
                "conditional = MAX(conditional, excluded.conditional)", clients)
            connection.executemany(
                "INSERT INTO reports SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE "
                f"(SELECT COUNT(*) FROM reports WHERE day = ?1) < {MAX_REPORT_ROWS} "
                "ON CONFLICT DO UPDATE SET subscribers = excluded.subscribers, "
                "seen = excluded.seen WHERE excluded.seen >= reports.seen", reports)

    def reduce_before(self, day: str) -> None:
        """Turn the client rows of days before day into counts of readers, and drop them."""
        with self._transaction() as connection:
            connection.execute(
                f"INSERT INTO readers SELECT * FROM ({_LIVE.format(where='< ?')}) WHERE true "
                "ON CONFLICT DO "
                "UPDATE SET readers = readers + excluded.readers", (day, day, day))
            connection.execute("DELETE FROM clients WHERE day < ?", (day,))

    def prune_before(self, day: str) -> None:
        """Forget every count of the days before day."""
        with self._transaction() as connection:
            for name in ("clients", "reports", "readers"):
                connection.execute(f"DELETE FROM {name} WHERE day < ?", (day,))

    def counts(self, since: str) -> list[Count]:
        """Every count from day since on, by day, feed, format and service."""
        found: dict[tuple[Any, ...], list[int]] = {}
        reader_rows = self.connection.execute(
            f"SELECT * FROM readers WHERE day >= ? UNION ALL {_LIVE.format(where='>= ?')}",
            (since,) * 4).fetchall()
        reported = self.connection.execute(_REPORTED, (since,) * 3).fetchall()
        for *key, readers in reader_rows:
            found.setdefault(tuple(key), [0, 0])[1] += readers
        for *key, subscribers in reported:
            found.setdefault(tuple(key), [0, 0])[0] += subscribers
        return sorted(Count(*key, *values) for key, values in found.items())

    def position(self, device: int, inode: int) -> int:
        """How far the log file (device, inode) has been read, under whatever name: a rotated
        log is read on from where it stopped."""
        row = self.connection.execute("SELECT position FROM log_positions WHERE device = ? AND "
                                      "inode = ?", (device, inode)).fetchone()
        return row[0] if row else 0

    def remember_position(self, device: int, inode: int, position: int) -> None:
        """Note how far a log file has been read; forget the files not read for 30 days."""
        now = int(time.time())
        with self._transaction() as connection:
            connection.execute("INSERT OR REPLACE INTO log_positions VALUES (?, ?, ?, ?)",
                               (device, inode, position, now))
            connection.execute("DELETE FROM log_positions WHERE read_at < ?", (now - 30 * 86400,))

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def _transaction(self) -> "_Transaction":
        """BEGIN IMMEDIATE ... COMMIT: writers from several processes take turns."""
        return _Transaction(self.connection)


class _Transaction:
    """One write transaction, rolled back on error."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, kind: object, *_: object) -> None:
        self.connection.execute("COMMIT" if kind is None else "ROLLBACK")

"""The hub's durable state in STATE_DIR/websub.sqlite3: requests waiting for verification,
subscriptions, what each topic last showed, deliveries pending, and whether a publish ping came.

Every process of every instance that shares the folder shares this file; only one of them
(the hub's dispatcher) calls back, the others only write requests and pings into it.
"""

import os
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from .store import open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (callback TEXT, topic TEXT, host TEXT, mode TEXT,
    lease INTEGER, secret TEXT, reason TEXT, created_at REAL, PRIMARY KEY (callback, topic));
CREATE TABLE IF NOT EXISTS subscriptions (callback TEXT, topic TEXT, host TEXT, secret TEXT,
    expires_at REAL, PRIMARY KEY (callback, topic));
CREATE INDEX IF NOT EXISTS subscriptions_by_topic ON subscriptions (topic, expires_at);
CREATE TABLE IF NOT EXISTS topics (topic TEXT PRIMARY KEY, etag TEXT, entries TEXT);
CREATE TABLE IF NOT EXISTS deliveries (callback TEXT, topic TEXT, host TEXT, version INTEGER,
    attempts INTEGER, first_at REAL, next_at REAL, PRIMARY KEY (callback, topic));
CREATE TABLE IF NOT EXISTS pings (section TEXT PRIMARY KEY);
"""


@dataclass(frozen=True, slots=True)
class Intent:
    """A request to subscribe or unsubscribe (or one to deny), waiting for its callback."""

    callback: str
    topic: str
    host: str
    mode: str  # subscribe, unsubscribe, denied
    lease: int = 0
    secret: str = ""
    reason: str = ""
    created_at: float = 0


@dataclass(frozen=True, slots=True)
class Delivery:
    """A topic's newest document owed to one callback."""

    callback: str
    topic: str
    host: str
    version: int
    attempts: int
    first_at: float
    secret: str


class HubStore:
    """The hub's tables, one connection a process, one statement at a time."""

    def __init__(self, state_dir: str):
        self.state_dir = state_dir
        self._lock = threading.Lock()
        self._connection: tuple[int, sqlite3.Connection] | None = None

    def _run(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in this process's connection; its rows."""
        with self._lock:
            if self._connection is None or self._connection[0] != os.getpid():
                connection = open_database(self.state_dir, "websub")
                connection.executescript(_SCHEMA)
                self._connection = (os.getpid(), connection)
            return self._connection[1].execute(sql, parameters).fetchall()

    def ask(self, intent: Intent) -> None:
        """Keep intent, replacing an earlier one for the same callback and topic."""
        self._run("INSERT OR REPLACE INTO intents VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (
            intent.callback, intent.topic, intent.host, intent.mode, intent.lease,
            intent.secret, intent.reason, intent.created_at))

    def counts(self, host: str, now: float) -> tuple[int, int]:
        """(subscriptions and requests of host, of every host), expired ones left out."""
        counted = "SELECT host FROM subscriptions WHERE expires_at > ? UNION ALL " \
                  "SELECT host FROM intents"
        rows = self._run(f"SELECT count(*), sum(host = ?) FROM ({counted})", (host, now))
        return int(rows[0][1] or 0), int(rows[0][0])

    def subscribed(self, callback: str, topic: str, now: float) -> bool:
        """Whether callback holds an active subscription to topic."""
        return bool(self._run("SELECT 1 FROM subscriptions WHERE callback = ? AND topic = ? "
                              "AND expires_at > ?", (callback, topic, now)))

    def intents(self, limit: int, per_host: int) -> list[Intent]:
        """The oldest requests waiting, at most per_host of one host: the many of a slow host
        never hide the others'."""
        rows = self._run(
            "SELECT callback, topic, host, mode, lease, secret, reason, created_at FROM "
            "(SELECT *, row_number() OVER (PARTITION BY host ORDER BY created_at) AS n "
            "FROM intents) WHERE n <= ? ORDER BY created_at LIMIT ?", (per_host, limit))
        return [Intent(*row) for row in rows]

    def forget(self, intent: Intent) -> None:
        """Drop intent, unless a newer request replaced it meanwhile."""
        self._run("DELETE FROM intents WHERE callback = ? AND topic = ? AND created_at = ?",
                  (intent.callback, intent.topic, intent.created_at))

    def subscribe(self, intent: Intent, expires_at: float) -> None:
        """Make the verified subscription active until expires_at (renewing one that was)."""
        self._run("INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?, ?, ?)",
                  (intent.callback, intent.topic, intent.host, intent.secret, expires_at))

    def unsubscribe(self, callback: str, topic: str) -> None:
        """End a subscription and what it is owed."""
        for table in ("subscriptions", "deliveries"):
            self._run(f"DELETE FROM {table} WHERE callback = ? AND topic = ?", (callback, topic))

    def topics(self, now: float) -> list[str]:
        """Every topic with an active subscription."""
        return [row[0] for row in self._run(
            "SELECT DISTINCT topic FROM subscriptions WHERE expires_at > ?", (now,))]

    def shown(self, topic: str) -> tuple[str, frozenset[str]] | None:
        """(ETag, entry keys) of what the topic last showed, if known."""
        rows = self._run("SELECT etag, entries FROM topics WHERE topic = ?", (topic,))
        return (rows[0][0], frozenset(filter(None, rows[0][1].split("\n")))) if rows else None

    def show(self, topic: str, etag: str, entries: frozenset[str]) -> None:
        """Note what the topic shows now."""
        self._run("INSERT OR REPLACE INTO topics VALUES (?, ?, ?)",
                  (topic, etag, "\n".join(sorted(entries))))

    def owe(self, topic: str, now: float, delay: float = 0) -> None:
        """Owe every active subscriber of topic its newest document, once, delay from now."""
        self._run("INSERT INTO deliveries SELECT callback, topic, host, 0, 0, ?, ? "
                  "FROM subscriptions WHERE topic = ? AND expires_at > ? "
                  "ON CONFLICT (callback, topic) DO UPDATE SET version = version + 1, "
                  "attempts = 0, first_at = excluded.first_at, next_at = excluded.next_at",
                  (now, now + delay, topic, now))

    def due(self, now: float, limit: int, per_host: int) -> list[Delivery]:
        """Deliveries whose time has come, oldest first, with their subscription's secret; at
        most per_host of one host."""
        rows = self._run(
            "SELECT callback, topic, host, version, attempts, first_at, secret FROM ("
            "SELECT d.callback, d.topic, d.host, d.version, d.attempts, d.first_at, d.next_at, "
            "coalesce(s.secret, '') AS secret, row_number() OVER (PARTITION BY d.host "
            "ORDER BY d.next_at) AS n FROM deliveries d JOIN subscriptions s "
            "ON s.callback = d.callback AND s.topic = d.topic AND s.expires_at > ? "
            "WHERE d.next_at <= ?) WHERE n <= ? ORDER BY next_at LIMIT ?",
            (now, now, per_host, limit))
        return [Delivery(*row) for row in rows]

    def done(self, delivery: Delivery) -> None:
        """Forget a delivery, unless a newer document became owed meanwhile."""
        self._run("DELETE FROM deliveries WHERE callback = ? AND topic = ? AND version = ?",
                  (delivery.callback, delivery.topic, delivery.version))

    def retry(self, delivery: Delivery, at: float) -> None:
        """Try the delivery again at moment at."""
        self._run("UPDATE deliveries SET attempts = attempts + 1, next_at = ? "
                  "WHERE callback = ? AND topic = ? AND version = ?",
                  (at, delivery.callback, delivery.topic, delivery.version))

    def expire(self, now: float) -> int:
        """Forget subscriptions whose lease ran out, and what only they needed; how many."""
        gone = self._run("DELETE FROM subscriptions WHERE expires_at <= ? RETURNING 1", (now,))
        self._run("DELETE FROM deliveries WHERE NOT EXISTS (SELECT 1 FROM subscriptions s "
                  "WHERE s.callback = deliveries.callback AND s.topic = deliveries.topic)")
        self._run("DELETE FROM topics WHERE topic NOT IN (SELECT topic FROM subscriptions)")
        return len(gone)

    def ping(self) -> None:
        """Note that a publish ping came."""
        self._run("INSERT OR IGNORE INTO pings VALUES ('*')")

    def pinged(self) -> bool:
        """Whether a publish ping came since the last call."""
        return bool(self._run("DELETE FROM pings RETURNING section"))

"""Abusive clients for tests and benchmarks: connections that trickle headers or sit idle."""

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit


def _connect(base: str) -> socket.socket:
    """A TCP connection to base's host and port."""
    parts = urlsplit(base)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


@contextmanager
def idle_connections(base: str, count: int) -> Iterator[list[socket.socket]]:
    """count connections that never send a byte, held open until the block ends."""
    sockets = [_connect(base) for _ in range(count)]
    try:
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


@contextmanager
def trickling_connections(base: str, count: int, interval: float = 1.0) -> Iterator[dict[str, int]]:
    """count connections that send a request line, then one header line every interval, never
    finishing. Yields counters: `cut` is how often the server closed one (each is reopened)."""
    stats = {"cut": 0}
    stop = threading.Event()
    sockets = [_start_trickle(base) for _ in range(count)]

    def keep_trickling() -> None:
        line = 0
        while not stop.wait(interval):
            line += 1
            for n, sock in enumerate(sockets):
                try:
                    sock.sendall(b"X-Trickle-%d: %d\r\n" % (line, n))
                except OSError:
                    stats["cut"] += 1
                    sock.close()
                    sockets[n] = _start_trickle(base)

    thread = threading.Thread(target=keep_trickling, daemon=True)
    thread.start()
    try:
        yield stats
    finally:
        stop.set()
        thread.join()
        for sock in sockets:
            sock.close()


def _start_trickle(base: str) -> socket.socket:
    """A connection that has sent a request line and its first header, and no more."""
    sock = _connect(base)
    sock.sendall(b"GET /feed.rss HTTP/1.1\r\nHost: trickle.example\r\n")
    return sock


def seconds_to_answer(url: str, timeout: float = 10) -> float:
    """Seconds a fresh connection takes to get url's whole answer (a 200)."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        response.read()
        assert response.status == 200
    return time.perf_counter() - started


def raw_exchange(base: str, data: bytes, timeout: float = 10) -> bytes:
    """Send data on a new connection; everything the server sends until it closes the
    connection. TimeoutError when it has not closed it after timeout seconds."""
    with _connect(base) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendall(data)
        except OSError:  # the server closed before it read everything: that is an answer too
            pass
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        return received

"""Seeds changed under a running server, and the time until every worker shows the change
(bench/scale.py).

A worker is seen through one fresh keep-alive connection: GET /healthz (its "pid", or else the
process that holds the server's end of the socket, read from /proc), then on the same
connection GET /feed.rss?q=<token>, the token a unique word of the seed's title. A change is
visible in every worker once each of the server's workers has shown it at least once.
"""

import http.client
import json
import math
import os
import random
import re
import socket
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scale_parts import socket_owner, tree

LIMIT_SECONDS = 120  # a change not visible by then is reported as not seen
POLL_PAUSE = 0.05  # between two looks, so that the looking costs the machine little
# A change waits up to this long before it is made, so that it lands at any moment of a
# periodic walk (RELOAD_SECONDS' default), not always just after the walk that showed the last.
PHASE_SECONDS = 5
RUN = os.urandom(3).hex()  # tokens unique to this run, whatever an earlier run left behind


@dataclass(frozen=True)
class Server:
    """A running `serve`: its base URL, its main process and how many workers it has."""

    base: str
    master: int
    workers: int


def token(kind: str, n: int) -> str:
    """A word found in no seed but the one this run wrote with it."""
    return f"scale{RUN}{kind}{n}"


def write_atomically(path: Path, text: str) -> None:
    """Write text to a temporary file beside path, then rename it over path."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def probe_seed(n: int, word: str) -> str:
    """A published seed of its own URL whose title holds word."""
    return (f"---\ntitle: \"Scale probe {word}\"\npublishedDateTime: 2024-06-01T10:00:00Z\n"
            f"originalUrl: \"https://scale.example/probe-{RUN}-{n}\"\ntopics: [Scale probe]\n"
            f"provider: {{name: Scale, domain: scale.example}}\n---\n")


def look(server: Server, word: str) -> tuple[int | None, bool]:
    """One fresh connection: (the worker that answered, whether /feed.rss?q=word lists the
    item whose title ends with word)."""
    parts = urlsplit(server.base)
    assert parts.hostname and parts.port
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.connect()
        local_port = connection.sock.getsockname()[1]  # before the server may close it
        connection.request("GET", "/healthz")
        pid = json.loads(connection.getresponse().read()).get("pid")
        if pid is None:  # a server whose /healthz does not say: the socket's owner does
            pid = socket_owner(local_port, parts.port, tree(server.master))
        connection.request("GET", f"/feed.rss?q={word}")
        body = connection.getresponse().read()
    finally:
        if connection.sock:  # closed by a reset: no TIME_WAIT left to fill /proc/net/tcp
            connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
    return pid, f"{word}</title>".encode() in body


def seconds_until_all(server: Server, word: str, present: bool, started: float) -> float:
    """Seconds from started until every worker has shown word's item (present) or no such
    item; infinity past LIMIT_SECONDS."""
    shown: set[int] = set()
    while time.perf_counter() - started < LIMIT_SECONDS:
        try:
            pid, there = look(server, word)
        except OSError as error:  # refused or reset: a worker replaced, or the server gone
            if not alive(server.master):
                raise RuntimeError(f"the server exited ({error})") from error
            time.sleep(POLL_PAUSE)
            continue
        if there == present and pid is not None:
            shown.add(pid)
            if len(shown) >= server.workers:
                return time.perf_counter() - started
        time.sleep(POLL_PAUSE)
    return math.inf


def alive(pid: int) -> bool:
    """Whether pid runs (not gone, not a zombie)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def add_edit_delete(server: Server, folder: Path, rounds: int) -> dict[str, list[float]]:
    """rounds times: a seed added, then edited (renamed over), then deleted, each at a random
    moment; the seconds until each change was visible in every worker, up to the first change
    never seen (the rounds end there: a server that misses one would miss them all)."""
    times: dict[str, list[float]] = {"added": [], "edited": [], "deleted": []}
    pause = random.Random(rounds).uniform
    for n in range(rounds):
        path, first, second = folder / f"probe-{n}.md", token("a", n), token("e", n)
        time.sleep(pause(0, PHASE_SECONDS))
        write_atomically(path, probe_seed(n, first))
        times["added"].append(seconds_until_all(server, first, True, time.perf_counter()))
        time.sleep(pause(0, PHASE_SECONDS))
        write_atomically(path, probe_seed(n, second))
        times["edited"].append(seconds_until_all(server, second, True, time.perf_counter()))
        time.sleep(pause(0, PHASE_SECONDS))
        path.unlink()
        times["deleted"].append(seconds_until_all(server, second, False, time.perf_counter()))
        if math.inf in (times["added"][-1], times["edited"][-1], times["deleted"][-1]):
            break
    return times


Originals = dict[Path, tuple[bytes, int]]


def published_seeds(seeds: Path, count: int) -> list[Path]:
    """count published seeds spread evenly over the corpus."""
    names = sorted(os.listdir(seeds / "_news"))
    chosen = []
    for name in names[::max(1, len(names) // (count * 3))]:
        if b"\npublished: true" in (seeds / "_news" / name).read_bytes():
            chosen.append(seeds / "_news" / name)
    return chosen[:count]


def edit_each(server: Server, paths: list[Path], originals: Originals) -> list[float]:
    """Edit the title of each seed in turn (renamed over), waiting until every worker shows it
    (up to the first never seen); each seed's bytes and mtime first kept in originals."""
    times = []
    for n, path in enumerate(paths):
        text = path.read_bytes()
        originals[path] = text, path.stat().st_mtime_ns
        word = token("pss", n)
        edited = re.sub(rb"^title: .*$", f'title: "Scale edit {word}"'.encode(), text,
                        count=1, flags=re.M)
        write_atomically(path, edited.decode())
        times.append(seconds_until_all(server, word, True, time.perf_counter()))
        if math.isinf(times[-1]):
            break
    return times


def restore(originals: Originals) -> None:
    """Put the edited seeds back as they were, mtime included (so the parse cache holds)."""
    for path, (text, mtime_ns) in originals.items():
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(text)
        os.utime(temporary, ns=(mtime_ns, mtime_ns))
        os.replace(temporary, path)

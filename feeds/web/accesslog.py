"""A proxy's access log read as polls: nginx's `combined` format, or the JSON lines that
deploy/nginx.conf writes (and the server's own ACCESS_LOG writes), each line to the feed it
names in canonical form, as the server itself counts a request."""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import MultiDict

from ..output.urls import feed_of_path
from ..view.snapshot import Snapshot
from .audience import Poll, feed_name
from .errors import RequestError
from .params import read_query

_COMBINED = re.compile(
    r'(?P<address>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<uri>\S+)[^"]*" '
    r'(?P<status>\d{3}) \S+ "(?:[^"\\]|\\.)*" "(?P<agent>(?:[^"\\]|\\.)*)"')
MAX_LINE = 16_384


@dataclass(frozen=True, slots=True)
class Request:
    """What one access log line says."""

    when: float
    address: str
    method: str
    uri: str
    status: int
    user_agent: str
    conditional: bool


def parse_line(line: str) -> Request | None:
    """The request a combined or JSON log line records, or None for any other line."""
    line = line.strip()
    if not line or len(line) > MAX_LINE:
        return None
    try:
        return _json_line(line) if line.startswith("{") else _combined_line(line)
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        return None  # a status of Infinity, a date out of range, JSON nested too deep


def _combined_line(line: str) -> Request | None:
    """A line of nginx's combined format."""
    found = _COMBINED.match(line)
    if found is None:
        return None
    when = datetime.strptime(found["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
    agent = found["agent"].replace('\\"', '"').replace("\\\\", "\\")
    status = int(found["status"])
    return Request(when, found["address"], found["method"], found["uri"], status, agent,
                   status == 304)


def _json_line(line: str) -> Request | None:
    """A line of deploy/nginx.conf's JSON log (or the server's own)."""
    data = json.loads(line)
    status = int(data["status"])
    conditional = bool(data.get("conditional") or data.get("if_none_match")
                       or data.get("if_modified_since")) or status == 304
    return Request(datetime.fromisoformat(data["time"]).timestamp(), str(data["remote_addr"]),
                   str(data["method"]), str(data["uri"]), status, str(data.get("user_agent", "")),
                   conditional)


def polls(lines: Iterable[str], snapshot: Snapshot) -> Iterator[Poll]:
    """The polls of first feed pages that lines record (answered 200 or 304)."""
    for line in lines:
        request = parse_line(line)
        if request is None or request.status not in (200, 304) or request.method not in (
                "GET", "HEAD"):
            continue
        feed = feed_of_uri(request.uri, snapshot)
        if feed is not None:
            yield Poll(request.when, feed[0], feed[1], request.address, request.user_agent,
                       request.conditional)


def feed_of_uri(uri: str, snapshot: Snapshot) -> tuple[str, str] | None:
    """(feed name, format) of a requested URI, as the server names it; None when it is no
    first page of an existing feed, or its query would be refused."""
    try:
        parts = urlsplit(uri)
    except ValueError:  # //[/feed.rss: a bracket that opens no IPv6 address
        return None
    feed = feed_of_path(parts.path)
    if feed is None:
        return None
    kind, slug, fmt = feed
    section = snapshot.section(kind, slug)
    if section is None:
        return None
    args = MultiDict(parse_qsl(parts.query, keep_blank_values=True))
    if args.get("page", "1") != "1":
        return None
    try:
        query = read_query(args, snapshot)
    except RequestError:
        return None
    return feed_name(kind, section.slug, tuple(query.pairs())), fmt

"""The HTTP answer for a cached document, shared by the Flask views and the WSGI fast path."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from werkzeug.datastructures import Accept
from werkzeug.http import is_resource_modified, parse_accept_header

from ..output.documents import Document
from ..view.snapshot import Snapshot

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


def wants_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header accepts gzip."""
    return bool(accept_encoding) and parse_accept_header(accept_encoding, Accept)["gzip"] > 0


def max_age_until(snapshot: Snapshot, max_age: int, section: tuple[str, str],
                  changes_at: datetime | None = None) -> int:
    """max_age, cut short so that no cached response of section outlives the next embargo
    that ends in it (other sections' answers give no embargo away), nor changes_at, when the
    clock alone changes what it shows (`since`, digests)."""
    moments = [m for m in (snapshot.embargoes.get(section), changes_at) if m is not None]
    if not moments:
        return max_age
    remaining = (min(moments) - datetime.now(UTC)).total_seconds()
    return max(0, min(max_age, int(remaining)))


def answer(document: Document, use_gzip: bool, max_age: int,
           environ: "WSGIEnvironment") -> tuple[str, list[tuple[str, str]], bytes]:
    """(status, headers, body) for a GET or HEAD: a 304 when the client's validators match."""
    etag = document.gzip_etag if use_gzip else document.etag
    headers = [
        ("Content-Type", document.content_type),
        ("ETag", etag),
        ("Last-Modified", document.last_modified_http),
        ("Cache-Control", f"public, max-age={max_age}"),
        ("Vary", "Accept-Encoding"),
        ("Access-Control-Allow-Origin", "*"),
    ]
    if document.robots:
        headers.append(("X-Robots-Tag", document.robots))
    if document.links:
        headers.append(("Link", document.links))
    conditional = "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ
    if conditional and not is_resource_modified(environ, etag=etag,
                                                last_modified=document.last_modified):
        return "304 Not Modified", headers, b""
    body = document.gzipped if use_gzip else document.body
    headers.append(("Content-Length", str(len(body))))
    if use_gzip:
        headers.append(("Content-Encoding", "gzip"))
    return "200 OK", headers, body

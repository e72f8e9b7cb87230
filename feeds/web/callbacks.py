"""Calls to subscribers' callbacks, made safe: http or https to a public address only (the one
actually connected to, so that no DNS answer can switch it after the check), no redirects, a
deadline for the whole exchange and at most a few bytes of the answer read."""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from ..text import MAX_URL

MAX_CALLBACK = MAX_URL  # characters of a callback URL, as of every URL the seeds give
MAX_ANSWER_BYTES = 4096  # of a callback's answer, read at most
USER_AGENT = "Seed Feeds WebSub hub"
_TLS = ssl.create_default_context()


class CallbackRefused(Exception):
    """A callback the hub will not call: the reason says why."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What a callback answered: its status and the start of its body."""

    status: int
    body: bytes


def callback_host(url: str) -> str:
    """The host of a callback URL that the hub could call; CallbackRefused says why not."""
    if len(url) > MAX_CALLBACK:
        raise CallbackRefused(f"hub.callback must be at most {MAX_CALLBACK} characters.")
    parts = _split(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackRefused("hub.callback must be an absolute http or https URL.")
    if parts.username is not None or parts.password is not None:
        raise CallbackRefused("hub.callback must not carry a user name or password.")
    return parts.hostname.lower()


def check_address(address: str, allow_private: bool) -> None:
    """CallbackRefused unless address is public (or private ones are allowed)."""
    ip = _embedded(ipaddress.ip_address(address.split("%")[0]))
    if ip.is_multicast or ip.is_unspecified:
        raise CallbackRefused(f"the callback's address {ip} is multicast or unspecified.")
    if not allow_private and not ip.is_global:
        raise CallbackRefused(f"the callback's address {ip} is loopback, private, link-local "
                              "or reserved.")


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix (RFC 6052)
_COMPATIBLE = ipaddress.ip_network("::/96")  # IPv4-compatible IPv6 (deprecated, RFC 4291)


def _embedded(ip: ipaddress.IPv4Address | ipaddress.IPv6Address
              ) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64 or compatible), which is
    where a translating network delivers it (Python calls 64:ff9b::10.0.0.1 global); else ip."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return ip
    carried = ip.ipv4_mapped or ip.sixtofour
    if carried is not None:
        return carried
    if ip in _NAT64 or (ip in _COMPATIBLE and int(ip) > 1):  # :: and ::1 stay themselves
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def call(url: str, method: str, headers: dict[str, str], body: bytes = b"",
         timeout: float = 5, allow_private: bool = False) -> Answer:
    """One request to a callback, within timeout seconds all told; OSError, ssl.SSLError,
    http.client.HTTPException or CallbackRefused when it fails."""
    callback_host(url)
    parts = _split(url)
    deadline = time.monotonic() + timeout
    sock = _connect(parts, deadline, allow_private)
    try:
        if parts.scheme == "https":
            sock = _TLS.wrap_socket(sock, server_hostname=parts.hostname)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port,
                                                timeout=timeout)
        connection.sock = sock  # already connected to the address that was checked
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body or None,
                           headers={"User-Agent": USER_AGENT, **headers})
        sock.settimeout(_remaining(deadline))
        response = connection.getresponse()
        return Answer(response.status, _read_body(response, sock, deadline))
    finally:
        sock.close()


def _split(url: str) -> SplitResult:
    """The parts of url; CallbackRefused for one that does not parse (a bad port)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is no number
    except ValueError:
        raise CallbackRefused("hub.callback must be an absolute http or https URL.") from None
    return parts


def _connect(parts: SplitResult, deadline: float, allow_private: bool) -> socket.socket:
    """A socket connected to the first address of the host, checked as connected."""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    if not infos:
        raise CallbackRefused(f"{parts.hostname} has no address.")
    for *_, address in infos:  # every address must be allowed: the resolver picks among them
        check_address(str(address[0]), allow_private)
    family, kind, protocol, _, address = infos[0]
    sock = socket.socket(family, kind, protocol)
    try:
        sock.settimeout(_remaining(deadline))
        sock.connect(address)
        check_address(str(sock.getpeername()[0]), allow_private)
    except BaseException:
        sock.close()
        raise
    return sock


def _read_body(response: http.client.HTTPResponse, sock: socket.socket, deadline: float) -> bytes:
    """At most MAX_ANSWER_BYTES of the body, before the deadline however slowly it comes."""
    chunks: list[bytes] = []
    size = 0
    while size < MAX_ANSWER_BYTES:
        sock.settimeout(_remaining(deadline))
        chunk = response.read1(MAX_ANSWER_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _remaining(deadline: float) -> float:
    """Seconds left before deadline; TimeoutError when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the callback took too long")
    return left

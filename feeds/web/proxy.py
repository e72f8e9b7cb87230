"""X-Forwarded-* from one trusted proxy, taken only when each value is what it claims to be.

Werkzeug's ProxyFix copies the values as they come; these end up in every absolute link, and
a cache in front may keep what one client provoked. Here a scheme must be http or https, a
host a host name with an optional port, a port digits, and a prefix a path of safe
characters that starts with '/'; anything else is ignored (and the request's own value kept).
"""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..text import is_host, is_port

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_PREFIX = re.compile(r"(?:/[A-Za-z0-9._~-]+)+/?")
_SCHEMES = {"http", "https"}


def _last_value(environ: "WSGIEnvironment", header: str) -> str | None:
    """The value the nearest proxy set: the last of a comma-separated header, stripped."""
    value: str | None = environ.get(header)
    if value is None:
        return None
    return value.rsplit(",", 1)[-1].strip()


def _split(host: str) -> tuple[str, str]:
    """(name, port) of a Host value; port is '' when absent."""
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest.removeprefix(":")
    name, _, port = host.partition(":")
    return name, port


class TrustedProxy:
    """WSGI middleware: the nearest proxy's X-Forwarded-For, -Proto, -Host, -Port, -Prefix."""

    def __init__(self, app: "WSGIApplication"):
        self.app = app

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse"
                 ) -> Iterable[bytes]:
        if client := _last_value(environ, "HTTP_X_FORWARDED_FOR"):
            environ["REMOTE_ADDR"] = client
        scheme = (_last_value(environ, "HTTP_X_FORWARDED_PROTO") or "").lower()
        if scheme in _SCHEMES:
            environ["wsgi.url_scheme"] = scheme
        host = _last_value(environ, "HTTP_X_FORWARDED_HOST") or ""
        if is_host(host):
            environ["HTTP_HOST"] = host
            environ["SERVER_NAME"], port = _split(host)
            if port:
                environ["SERVER_PORT"] = port
        port = _last_value(environ, "HTTP_X_FORWARDED_PORT") or ""
        if is_port(port):
            name, _ = _split(environ.get("HTTP_HOST", ""))
            default = {"http": "80", "https": "443"}.get(environ["wsgi.url_scheme"])
            environ["HTTP_HOST"] = name if port == default else f"{name}:{port}"
            environ["SERVER_PORT"] = port
        prefix = _last_value(environ, "HTTP_X_FORWARDED_PREFIX") or ""
        if len(prefix) <= 200 and _PREFIX.fullmatch(prefix):
            environ["SCRIPT_NAME"] = prefix.rstrip("/")
        return self.app(environ, start_response)

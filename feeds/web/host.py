"""A request with no Host (HTTP/1.0 allows it) is answered for the server's own address."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class EmptyHostAsAbsent:
    """WSGI middleware: an empty Host header, as granian passes for a request that sent none,
    is dropped, so that links name the address the server listens on (SERVER_NAME, PORT)
    rather than an empty host (`http:///feed.rss`)."""

    def __init__(self, app: "WSGIApplication"):
        self.app = app

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse"
                 ) -> Iterable[bytes]:
        if environ.get("HTTP_HOST") == "":
            del environ["HTTP_HOST"]
        return self.app(environ, start_response)

"""Every answer that is no document, rendered in one place as short plain text with its status:
a request's RequestError, Werkzeug's own HTTP errors, a bug; never a traceback."""

from collections.abc import Iterable

from flask import Flask, current_app
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response


class RequestError(Exception):
    """A request answered without a document: its HTTP status, what to tell the client (what
    is accepted, or where to look), and the headers that go with it (a redirect's Location)."""

    def __init__(self, status: int, message: str, headers: Iterable[tuple[str, str]] = ()):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = tuple(headers)


def moved(location: str, status: int = 301) -> RequestError:
    """A redirect (301 unless told) to location."""
    return RequestError(status, f"See {location}", [("Location", location)])


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(RequestError, error_response)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)


def error_response(error: RequestError) -> Response:
    """The one rendering: `400 Bad Request: what is accepted`; a redirect says `See <URL>`."""
    text = (error.message if error.status < 400
            else f"{error.status} {HTTP_STATUS_CODES[error.status]}: {error.message}")
    return _plain(Response(status=error.status, headers=error.headers), text)


def http_error(error: HTTPException) -> Response:
    """Werkzeug's own (an unknown URL, a method not allowed, a missing slash) the same way, with
    its headers (Allow, Location)."""
    return _plain(error.get_response(), f"{error.code} {error.name}: {error.description}")


def _plain(response: Response, text: str) -> Response:
    """response with text (and a newline) as its plain-text body."""
    response.set_data(f"{text}\n")
    response.content_type = "text/plain; charset=utf-8"
    return response


def unexpected_error(error: Exception) -> Response:
    """A bug: logged with its traceback, answered with a plain 500."""
    current_app.logger.exception("unexpected error", exc_info=error)
    return error_response(RequestError(500, "Something went wrong on our side; it is logged."))

"""Every error answered as short plain text with the right status; never a traceback."""

from flask import Flask, current_app
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, plain_error)
    app.register_error_handler(Exception, unexpected_error)


def plain_error(error: HTTPException) -> Response:
    """The error's status and headers (Allow, Location) with a one-line plain-text body."""
    response = error.get_response()
    response.set_data(f"{error.code} {error.name}: {error.description}\n")
    response.content_type = "text/plain; charset=utf-8"
    return response


def unexpected_error(error: Exception) -> Response:
    """A bug: logged with its traceback, answered with a plain 500."""
    current_app.logger.exception("unexpected error", exc_info=error)
    return plain_error(InternalServerError("Something went wrong on our side; it is logged."))

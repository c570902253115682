"""Error pages: every failure answers with a page that says what to do, never a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from coresponse import unit_of_work
from coresponse.text import describe_bytes

_MESSAGES = {
    400: ("Something in that request was not right", "Go back, check what you entered, and try again."),
    403: ("Not allowed", "Your role does not give you access to this page."),
    404: ("Not found", "This page does not exist, or you do not have access to it."),
    405: ("Not allowed", "That action cannot be done this way."),
    413: ("Too large", "What you sent is too large."),
    422: ("Check what you entered", "Some of what you entered could not be accepted."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
    500: ("Something went wrong", "Nothing was saved. Try again; if it keeps happening, tell your administrator."),
}  # fmt: skip


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        unit_of_work.discard()
        return render_template(
            "errors/error.html",
            code=400,
            title="This form has expired",
            message="Your session may have timed out. Go back, reload the page and submit again.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        unit_of_work.discard()
        code = error.code or 500
        title, message = _MESSAGES.get(code, (error.name, ""))
        # abort(400, description="...") carries a message meant for the user.
        if error.description and error.description != type(error).description:
            message = error.description
        elif code == 413:
            limit = describe_bytes(app.config["MAX_CONTENT_LENGTH"])
            message = f"What you sent is larger than {limit}. Shorten it and try again."
        response = error.get_response()
        response.data = render_template(
            "errors/error.html", code=code, title=title, message=message
        )
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> ResponseReturnValue:
        if isinstance(error, HTTPException):
            return http_error(error)
        unit_of_work.discard()
        app.logger.exception("Unhandled error")
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        title, message = _MESSAGES[500]
        return render_template("errors/error.html", code=500, title=title, message=message), 500

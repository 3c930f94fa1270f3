"""RFC 9457 problem+json for every error a client can see, mapped once from ``shared.errors``."""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, Response, json, request
from marshmallow import ValidationError
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException

from shared.errors import DomainError

PROBLEM_JSON = "application/problem+json"
DATABASE_RETRY_AFTER_S = 5
log = logging.getLogger(__name__)


def problem(status: int, title: str, detail: str | None = None, **extra: object) -> Response:
    """Build a problem+json response; ``extra`` adds members such as ``errors`` or ``field``."""
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path if request else None
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="reverse-mentoring"'
    return response


def _flatten(messages: object, prefix: str = "") -> list[dict[str, str]]:
    """Turn marshmallow's nested message dicts into a flat list of {field, message} pairs."""
    if isinstance(messages, dict):
        out: list[dict[str, str]] = []
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "body"
            out.extend(_flatten(value, name))
        return out
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return [{"field": prefix or "body", "message": m} for m in messages]
    if isinstance(messages, list):
        return [e for item in messages for e in _flatten(item, prefix)]
    return [{"field": prefix or "body", "message": str(messages)}]


def validation_problem(messages: object, location: str | None = None) -> Response:
    if isinstance(messages, dict) and location and set(messages) == {location}:
        messages = messages[location]
    errors = _flatten(messages)
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return problem(422, "Unprocessable content", f"invalid fields: {fields}", errors=errors)


def domain_problem(error: DomainError) -> Response:
    return problem(error.status, error.title, error.detail, errors=error.problem_errors(), **error.extra)


def init_app(app: Flask) -> None:
    """Register handlers so that every error, expected or not, leaves as problem+json."""
    app.register_error_handler(DomainError, domain_problem)

    @app.errorhandler(ValidationError)
    def _validation(error: ValidationError) -> Response:
        return validation_problem(error.messages)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if status == 422 and messages is not None:
            location = next(iter(messages), None) if isinstance(messages, dict) else None
            return validation_problem(messages, location)
        errors = None
        if status == 400 and messages is not None:
            errors = _flatten(messages.get("json", messages) if isinstance(messages, dict) else messages)
            detail = "; ".join(e["message"] for e in errors)
        else:
            detail = error.description if status != 500 else None
        limit = request.max_content_length
        if status == 413 and limit:  # the limit of this route (a bulk upload raises it), not the app-wide one
            detail = f"request body exceeds this operation's limit of {limit} bytes ({limit / 2**20:g} MiB)"
        response = problem(status, HTTPStatus(status).phrase, detail, errors=errors)
        if status == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(ConnectionFailure)
    def _database_unreachable(error: ConnectionFailure) -> Response:
        """The database is away (down, restarting, failing over): the request may succeed again shortly,
        so a client or load balancer should retry, not report a bug."""
        log.warning("database unreachable: %s", error)
        response = problem(503, "Service unavailable", "the database is unreachable; try again shortly")
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "Internal server error", "an unexpected error occurred; it has been logged")

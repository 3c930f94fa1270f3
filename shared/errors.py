"""The one error hierarchy of every service: use cases and domains raise these, the HTTP layer maps them
once to problem+json (``shared.problems``) and Kafka handlers to retry or dead-letter. No Flask here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """Base of errors a use case raises; ``status`` is the HTTP status the API answers with."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    def problem_errors(self) -> list[dict[str, str]] | None:
        """The ``errors`` member of the problem body: the field that is wrong, when one is."""
        return [{"field": self.field, "message": self.detail}] if self.field else None


class NotFound(DomainError):
    status, title = 404, "Not found"


class Conflict(DomainError):
    """Well-formed, but the current state refuses it."""

    status, title = 409, "Conflict"


class StaleWrite(Conflict):
    """Someone saved the aggregate since it was read (optimistic concurrency): reload and retry."""

    def __init__(self, key: str, detail: str | None = None) -> None:
        super().__init__(
            detail or f"{key} changed while this request was processed; retry", code="stale_write"
        )
        self.key = key


class Forbidden(DomainError):
    status, title = 403, "Forbidden"


class Unauthorized(DomainError):
    status, title = 401, "Unauthorized"


class Unprocessable(DomainError):
    status, title = 422, "Unprocessable content"


class InvalidInput(Unprocessable):
    """One or more fields break a rule; ``errors`` maps each field to all its messages at once."""

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors: dict[str, list[str]] = {field: list(messages) for field, messages in errors.items()}
        first_field = next(iter(self.errors), None)
        super().__init__(
            f"invalid fields: {', '.join(sorted(self.errors))}",
            field=first_field if len(self.errors) == 1 else None,
        )

    def problem_errors(self) -> list[dict[str, str]]:
        return [
            {"field": field, "message": message}
            for field, messages in self.errors.items()
            for message in messages
        ]

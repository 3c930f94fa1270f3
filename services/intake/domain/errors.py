"""Errors the intake domain raises; pure (no HTTP), the API maps them: InvalidInput → 422, Conflict → 409."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class IntakeError(Exception):
    """Base of every rule the intake domain refuses to break."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidInput(IntakeError):
    """One or more fields break a rule; ``errors`` maps each field to its messages (all of them, at once)."""

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors: dict[str, list[str]] = {field: list(messages) for field, messages in errors.items()}
        fields = ", ".join(sorted(self.errors))
        first_field = next(iter(self.errors), None)
        super().__init__(f"invalid fields: {fields}", field=first_field if len(self.errors) == 1 else None)

    def as_problem_errors(self) -> list[dict[str, str]]:
        """The ``errors`` member of a problem+json body: one ``{field, message}`` per message."""
        return [
            {"field": field, "message": message}
            for field, messages in self.errors.items()
            for message in messages
        ]


class Conflict(IntakeError):
    """The command is well-formed but the aggregate's current state refuses it."""


class InvalidTransition(Conflict):
    """A program lifecycle move that the lifecycle does not allow (e.g. draft → running)."""

    def __init__(self, current: str, requested: str, allowed: Sequence[str]) -> None:
        options = ", ".join(allowed) if allowed else "none (the program is closed)"
        super().__init__(
            f"a program cannot go from {current!r} to {requested!r}; allowed next states: {options}",
            field="status",
        )
        self.current = current
        self.requested = requested
        self.allowed = tuple(allowed)


class InvalidValue(ValueError):
    """A single value breaks a field rule; validators raise it and collectors turn it into InvalidInput."""

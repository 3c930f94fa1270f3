"""The errors intake's domain raises: the shared hierarchy (``shared.errors``, mapped once to problem+json),
one lifecycle refusal of its own, and ``InvalidValue``, a single bad value the collectors gather."""

from __future__ import annotations

from collections.abc import Sequence

from shared.errors import Conflict, InvalidInput

__all__ = ["Conflict", "InvalidInput", "InvalidTransition", "InvalidValue"]


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

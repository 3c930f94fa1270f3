"""What every intake route shares: the one blueprint, its documented problems, the bus it hands commands to
and the body limit of the bulk uploads."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import request
from flask_smorest import Blueprint

from services.intake.domain import DomainEvent
from shared.app import current_bus
from shared.messages import Command
from shared.openapi import problem_responses

blp = Blueprint("intake", __name__, url_prefix="/v1", description="Programs and the people enrolled in them")

# A 10,000-row people CSV is ~2 MB and a 100,000-person org chart ~3 MB: above the API-wide body limit.
BULK_BODY_LIMIT = 20 * 1024 * 1024
PROBLEMS = {
    401: "Missing or invalid bearer token",
    403: "The caller's roles do not allow this",
    404: "No such resource (or not yours to see)",
    409: "The resource's current state refuses this",
    413: "Request body too large",
    422: "Invalid input; `errors` names every bad field",
}

problems = problem_responses(blp, PROBLEMS)


def body_limit(limit: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Raise the request body limit for one route; must sit above the argument parser."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            request.max_content_length = limit
            return view(*args, **kwargs)

        return wrapper

    return decorator


def handle(command: Command) -> list[DomainEvent]:
    return current_bus().handle(command)


def uow() -> Any:
    return current_bus().uow


def result(events: list[DomainEvent], kind: type[DomainEvent]) -> Any:
    """The one result event of ``kind`` a command returned (its state as the command left it)."""
    return next(event for event in events if isinstance(event, kind))

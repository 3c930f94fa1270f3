"""What every feedback route shares: documented problems, the bus and the one result of a command."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest import Blueprint

from services.feedback.service.commands import PairingWritten
from shared.app import current_bus
from shared.messages import Command
from shared.openapi import problem_responses

PROBLEMS = {
    401: "Missing or invalid bearer token",
    403: "The caller's roles do not allow this",
    404: "No such resource (or not yours to see)",
    409: "The pairing is not active, or the record exists or changed meanwhile",
    422: "Invalid input; `errors` names every bad field",
}


def documented(blp: Blueprint) -> Any:
    return problem_responses(blp, PROBLEMS)


def uow() -> Any:
    return current_bus().uow


def new_id() -> str:
    return uuid.uuid4().hex


def written(command: Command) -> dict[str, Any]:
    """The record a write command left (its ``PairingWritten`` event)."""
    return next(e.record for e in current_bus().handle(command) if isinstance(e, PairingWritten))

"""Matching's internal facts: dispatched by the in-process bus to their follow-ups, never published."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.messages import DomainEvent

from .pairing import Pairing
from .run import MatchRun


@dataclass(frozen=True)
class JuniorJoined(DomainEvent):
    """An enrolled junior appeared in the projection: places for waitlisted leaders may have appeared.
    ``trigger`` is the id of the event that brought them (a redelivery asks for the same rematch)."""

    program_id: str
    trigger: str


@dataclass(frozen=True)
class MatchRunRecorded(DomainEvent):
    """A run was stored as ``run`` (started, overridden or published): what the caller is answered with."""

    run: MatchRun


@dataclass(frozen=True)
class PairingRecorded(DomainEvent):
    """A pairing was stored as ``pairing`` after a participant's or an admin's change."""

    pairing: Pairing


@dataclass(frozen=True)
class ConflictDeclared(DomainEvent):
    """An admin declared that two employees must never be paired (``record`` as stored)."""

    record: dict[str, Any]

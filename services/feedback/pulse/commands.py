"""What the pulse can be asked to do (commands) and the internal facts its handlers return to the routes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.auth import Principal
from shared.messages import Command, DomainEvent

CLOSE_KIND = "pulse.close"  # the scheduled-work kind that closes a pulse when its window ends


@dataclass(frozen=True)
class CreatePulse(Command):
    program_id: str
    principal: Principal
    closes_at: datetime
    opens_at: datetime | None = None
    title: str = "Psychological safety pulse"
    questions: Sequence[Mapping[str, str]] | None = None
    respondent_roles: Sequence[str] | None = None
    breakdown: str | None = "department"


@dataclass(frozen=True)
class AnswerPulse(Command):
    """One participant's answer; ``talk_to_someone`` (with an optional ``message``) asks to be contacted."""

    pulse_id: str
    principal: Principal
    answers: Mapping[str, Any]
    talk_to_someone: bool = False
    message: str | None = None


@dataclass(frozen=True)
class ClosePulse(Command):
    """Close a pulse and release its aggregate: by an admin of its program, or by the scheduler
    (``principal`` None) when the window ends."""

    pulse_id: str
    principal: Principal | None = None


@dataclass(frozen=True)
class PulseRecorded(DomainEvent):
    """A pulse as stored after the command (what the routes show)."""

    pulse: dict[str, Any]


@dataclass(frozen=True)
class PulseAnswered(DomainEvent):
    """An answer was taken; it names no ballot (a receipt would let someone demand to see the answer)."""

    pulse_id: str
    escalation_id: str | None = None
    route: str | None = None

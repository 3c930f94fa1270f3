"""Feedback's commands (imperative) and the internal events that ask for follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.auth import Principal
from shared.messages import Command, DomainEvent


@dataclass(frozen=True)
class SetGoal(Command):
    principal: Principal
    pairing_id: str
    goal_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class UpdateGoalProgress(Command):
    principal: Principal
    pairing_id: str
    goal_id: str
    percent: int | None
    note: str | None
    status: str | None


@dataclass(frozen=True)
class LogCheckIn(Command):
    principal: Principal
    pairing_id: str
    check_in_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class AnswerSurvey(Command):
    principal: Principal
    pairing_id: str
    kind: str
    answers: dict[str, Any]


@dataclass(frozen=True)
class RaiseInsight(Command):
    principal: Principal
    pairing_id: str
    insight_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class AcknowledgeInsight(Command):
    principal: Principal
    pairing_id: str
    insight_id: str


@dataclass(frozen=True)
class ActOnInsight(Command):
    principal: Principal
    pairing_id: str
    insight_id: str
    what_changed: str


@dataclass(frozen=True)
class SaveFeedbackSettings(Command):
    principal: Principal
    program_id: str
    settings: dict[str, Any]


RECORD_KINDS = ("goals", "check_ins", "insights", "surveys")


@dataclass(frozen=True)
class AssessPairing(Command):
    """Recompute a pairing's health, counting again the kinds of its records named in ``recount`` (all by
    default: the scheduler's self-healing look) and counting one ``check_in`` just logged without reading
    the others (what a check-in write costs stays flat however many the pairing has)."""

    pairing_id: str
    recount: tuple[str, ...] = RECORD_KINDS
    check_in: dict[str, Any] | None = None


@dataclass(frozen=True)
class CheckCadence(Command):
    """The scheduler's look at a pairing's check-in cadence on ``today``."""

    pairing_id: str
    today: date


@dataclass(frozen=True)
class PlanPairing(Command):
    """Schedule an active pairing's cadence looks and milestone surveys (or cancel them once it ended)."""

    pairing_id: str


@dataclass(frozen=True)
class OpenSurvey(Command):
    pairing_id: str
    kind: str
    due_on: date


@dataclass(frozen=True)
class PairingWritten(DomainEvent):
    """Something a pairing's health reads changed: a ``kind`` of record (one of ``RECORD_KINDS``; None when
    anything may have, or only time passed)."""

    pairing_id: str
    record: dict[str, Any] | None = None
    kind: str | None = None

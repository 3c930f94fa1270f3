"""Intake's programs, participants and org chart and matching's pairings as feedback keeps them
(order-tolerant, idempotent), and erasure with its tombstone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.feedback.store import FeedbackUnitOfWork
from services.feedback.store.pairings import ERASED, PEOPLE
from shared.contracts.types import PairingActivated, PairingEnded
from shared.messages import Command, DomainEvent, PublishedEvent

PAIRING_FIELDS = ("pairing_id", "program_id", "leader_id", "junior_id")
TRACKED_STATES = {PairingActivated: "active", PairingEnded: "ended"}


@dataclass(frozen=True)
class ProjectProgram(Command):
    data: dict[str, Any]
    as_of: datetime
    event_id: str


@dataclass(frozen=True)
class ProjectParticipant(Command):
    data: dict[str, Any]
    as_of: datetime
    event_id: str


@dataclass(frozen=True)
class WithdrawParticipant(Command):
    participant_id: str
    as_of: datetime
    event_id: str


@dataclass(frozen=True)
class ProjectReportingLine(Command):
    employee_id: str
    manager_id: str | None
    as_of: datetime
    event_id: str


@dataclass(frozen=True)
class TrackPairingHealth(Command):
    """Follow a pairing's lifecycle; ``as_of`` (the cause's event time) lets a late, older event lose."""

    cause_event_id: str
    cause: PublishedEvent
    as_of: datetime


@dataclass(frozen=True)
class PairingTracked(DomainEvent):
    """A pairing's lifecycle changed here: its schedule (cadence, surveys) and health follow."""

    pairing_id: str


def project_program(command: ProjectProgram, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    uow.programs.project(command.data, command.as_of, command.event_id)
    return []


def project_participant(command: ProjectParticipant, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    uow.people.project(command.data, command.as_of, command.event_id)
    return []


def withdraw_participant(command: WithdrawParticipant, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    uow.people.set_status(command.participant_id, "withdrawn", command.as_of, command.event_id)
    return []


def project_reporting_line(command: ProjectReportingLine, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    uow.orgchart.project(command.employee_id, command.manager_id, command.as_of, command.event_id)
    return []


def track_pairing_health(command: TrackPairingHealth, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    """Keep the pairing's lifecycle. An erased person's id never comes back: an event that still names
    them (matching ends the pairing because of the erasure, after it) is recorded with ``erased``."""
    state = TRACKED_STATES.get(type(command.cause))
    if state is None:
        return []
    data = command.cause.data
    fields: dict[str, Any] = {name: data[name] for name in PAIRING_FIELDS}
    for person in PEOPLE:
        if uow.people.is_erased(fields[person]):
            fields[person] = ERASED
    fields["state"] = state
    moment = command.as_of.date().isoformat()
    if state == "active":
        fields["activated_on"] = moment
    else:
        fields.update(ended_on=moment, end_kind=data.get("end_kind"))
    if not uow.pairings.record(fields["pairing_id"], fields, command.as_of, command.cause_event_id):
        return []
    return [PairingTracked(fields["pairing_id"])]

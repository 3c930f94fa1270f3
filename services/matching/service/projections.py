"""Intake's programs, participants and reporting lines as matching keeps them: order-tolerant upserts
(an older or repeated event changes nothing), and a participant's withdrawal."""

from __future__ import annotations

from services.matching.domain import JuniorJoined
from services.matching.service.commands import (
    ProjectParticipant,
    ProjectProgram,
    ProjectReportingLine,
    WithdrawParticipant,
)
from services.matching.service.pairings import end_pairings_of
from services.matching.store.ports import MatchingUnitOfWork
from shared.contracts import PROGRAM_STATUSES
from shared.messages import DomainEvent
from shared.metrics import PROGRAMS_BY_STATUS


def project_participant(command: ProjectParticipant, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """A registration or profile change; an enrolled junior may bring places for waitlisted leaders."""
    data = dict(command.data)
    applied = uow.projection.save_participant(data, command.event)
    if applied and data["role"] == "junior" and data["status"] == "enrolled":
        return [JuniorJoined(data["program_id"], trigger=command.event.id)]
    return []


def project_program(command: ProjectProgram, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    uow.projection.save_program(dict(command.data), command.event)
    refresh_program_gauge(uow)
    return []


def project_reporting_line(command: ProjectReportingLine, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    uow.projection.save_reporting_line(command.employee_id, command.manager_id, command.event)
    return []


def withdraw_participant(command: WithdrawParticipant, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """A participant left the program: their live pairings end early and they leave the waitlist; a
    leader whose junior left goes back on it. Decided from the projected status, not from whether this
    delivery changed it, so a redelivery after a crash finishes what the first one started (and a
    withdrawal older than a re-enrolment ends nothing)."""
    uow.projection.set_participant_status(command.participant_id, "withdrawn", command.event)
    if (uow.projection.participant(command.participant_id) or {}).get("status") != "withdrawn":
        return []
    return list(
        end_pairings_of(
            uow,
            command.participant_id,
            command.program_id,
            ("early", "participant withdrew"),
            "partner_withdrew",
        )
    )


def refresh_program_gauge(uow: MatchingUnitOfWork) -> None:
    """programs_by_status from the projection (the SRE alert on stalled matching reads it)."""
    counts = uow.projection.program_status_counts()
    for status in PROGRAM_STATUSES:
        PROGRAMS_BY_STATUS.labels(status).set(counts.get(status, 0))

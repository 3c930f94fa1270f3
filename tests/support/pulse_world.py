"""A program as feedback projects it, for the pulse's tests: admins, a leader, juniors in departments, a
reporting line and a pairing, sent through feedback's own projection commands (memory or Mongo)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.feedback.service.projections import (
    ProjectParticipant,
    ProjectProgram,
    ProjectReportingLine,
    TrackPairingHealth,
)
from shared.auth import Principal
from shared.bus import MessageBus
from shared.contracts.types import PairingActivated

PROGRAM = "prog-1"
ADMIN = "E-ADMIN"
LEADER = "E-LEADER"
SEEN = datetime(2026, 11, 1, tzinfo=UTC)


def admin(subject: str = ADMIN) -> Principal:
    return Principal(subject, frozenset({"admin"}))


def person(subject: str) -> Principal:
    return Principal(subject, frozenset({"participant"}))


def junior_employee(n: int) -> str:
    return f"E-J{n:03d}"


def junior_participant(n: int) -> str:
    return f"P-J{n:03d}"


def seed(
    bus: MessageBus,
    departments: list[str],
    *,
    admins: tuple[str, ...] = (ADMIN,),
    pulse_k: int | None = None,
    program_id: str = PROGRAM,
) -> None:
    """Juniors 1..n (one per entry of ``departments``), leader ``P-L`` paired with junior 1, and junior 1
    reporting to ``E-MANAGER``."""
    bus.handle(
        ProjectProgram({"program_id": program_id, "name": "Pilot", "admins": list(admins)}, SEEN, "ev-p")
    )
    if pulse_k is not None:
        bus.uow.programs.save_settings(program_id, {"pulse_k": pulse_k})
    people = [("P-L", LEADER, "leader", "Board")] + [
        (junior_participant(n), junior_employee(n), "junior", d) for n, d in enumerate(departments, start=1)
    ]
    for participant_id, employee_id, role, department in people:
        data = {"participant_id": participant_id, "program_id": program_id, "employee_id": employee_id,
                "role": role, "department": department, "status": "enrolled"}  # fmt: skip
        bus.handle(ProjectParticipant(data, SEEN, f"ev-{participant_id}"))
    bus.handle(ProjectReportingLine(junior_employee(1), "E-MANAGER", SEEN, "ev-line-1"))
    bus.handle(ProjectReportingLine("E-MANAGER", "E-DIRECTOR", SEEN, "ev-line-2"))
    pairing = {"pairing_id": "pr-1", "program_id": program_id, "leader_id": "P-L",
               "junior_id": junior_participant(1), "state": "active"}  # fmt: skip
    bus.handle(TrackPairingHealth("ev-pr", PairingActivated("pr-1", pairing), SEEN))

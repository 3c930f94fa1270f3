"""A feedback story on any unit of work: a program with its admin, two active pairings of four real people
(so BOLA tests use the other pair's real ids), and principals for each of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.feedback.service import build_bus
from services.feedback.service.projections import ProjectParticipant, ProjectProgram, TrackPairingHealth
from shared.auth import Principal
from shared.contracts.types import PairingActivated, PairingEnded

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
PROGRAM = "prog-1"
PROGRAM_DATA = {
    "program_id": PROGRAM,
    "name": "Reverse mentoring 2026",
    "status": "running",
    "focus_areas": ["digital-transformation", "ai-tools"],
    "custom_focus_areas": [],
    "starts_on": "2026-03-01",
    "ends_on": "2026-08-31",
    "admins": ["E-ADMIN"],
}
PEOPLE = {
    "L1": ("E-L1", "leader"),
    "J1": ("E-J1", "junior"),
    "L2": ("E-L2", "leader"),
    "J2": ("E-J2", "junior"),
}
PAIRINGS = {"pr-1": ("L1", "J1"), "pr-2": ("L2", "J2")}


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def person(participant_id: str) -> Principal:
    return Principal(PEOPLE[participant_id][0], frozenset({"participant"}))


ADMIN = Principal("E-ADMIN", frozenset({"admin"}))
OTHER_ADMIN = Principal("E-OTHER-ADMIN", frozenset({"admin"}))
HR = Principal("E-HR", frozenset({"hr"}))


def pairing_data(pairing_id: str, state: str = "active", **extra: Any) -> dict[str, Any]:
    leader, junior = PAIRINGS[pairing_id]
    return {
        "pairing_id": pairing_id,
        "program_id": PROGRAM,
        "leader_id": leader,
        "junior_id": junior,
        "state": state,
        **extra,
    }


def begin(uow: Any, at: datetime = START) -> Any:
    """The program, its four participants and both pairings active at ``at``; returns the bus."""
    bus = build_bus(uow)
    bus.handle(ProjectProgram(PROGRAM_DATA, at - timedelta(days=30), "evt-program"))
    for participant_id, (employee_id, role) in PEOPLE.items():
        data = {
            "participant_id": participant_id,
            "program_id": PROGRAM,
            "employee_id": employee_id,
            "role": role,
            "department": "Marketing",
            "status": "enrolled",
        }
        bus.handle(ProjectParticipant(data, at - timedelta(days=20), f"evt-{participant_id}"))
    for pairing_id in PAIRINGS:
        bus.handle(
            TrackPairingHealth(
                f"evt-act-{pairing_id}", PairingActivated(pairing_id, pairing_data(pairing_id)), at
            )
        )
    return bus


def end(
    bus: Any, pairing_id: str, at: datetime, end_kind: str = "planned", event_id: str = "evt-end"
) -> None:
    data = pairing_data(pairing_id, "ended", end_kind=end_kind)
    bus.handle(TrackPairingHealth(event_id, PairingEnded(pairing_id, data), at))

"""A matching world on the in-memory unit of work: intake's events applied through the bus, an admin
and participants acting through commands. No servers; each use-case test reads as a short story."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.matching.domain import MatchRunRecorded, PairingRecorded
from services.matching.service import build_bus
from services.matching.service import commands as c
from services.matching.store import MemoryMatchingUnitOfWork
from shared.auth import Principal
from shared.contracts.types import OrgChartEmployeeUpserted, ParticipantRegistered, ProgramCreated
from shared.events.envelope import Event, make_event
from shared.messages import DomainEvent, PublishedEvent
from tests.support.matching_people import ADMIN_ID, CEO, MORNINGS, person, program, two_leaders_one_junior  # noqa: F401

ADMIN = Principal(ADMIN_ID, frozenset({"admin"}))
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def participant(employee_id: str) -> Principal:
    return Principal(employee_id, frozenset({"participant"}))


@dataclass
class Story:
    """The memory unit of work, its bus and a clock that moves one second per reading."""

    uow: MemoryMatchingUnitOfWork = field(default_factory=lambda: MemoryMatchingUnitOfWork())
    ticks: int = 0

    def __post_init__(self) -> None:
        self.uow.clock = self.now
        self.bus = build_bus(self.uow)

    def now(self) -> datetime:
        self.ticks += 1
        return START + timedelta(seconds=self.ticks)

    def handle(self, command: c.Command) -> list[DomainEvent]:
        return self.bus.handle(command)

    def intake_event(
        self, kind: type[PublishedEvent], data: dict[str, Any], at: datetime | None = None
    ) -> Event:
        subject = data.get("participant_id") or data.get("program_id") or data.get("employee_id")
        return make_event(kind.type, "/tests/intake", subject, data, time=at or self.now())

    def enrol(self, program_record: dict[str, Any], people: list[dict[str, Any]]) -> None:
        """What intake would publish, applied as the worker applies it: program, reporting lines, people."""
        self.handle(c.ProjectProgram(program_record, self.intake_event(ProgramCreated, program_record)))
        for p in people:
            line = {"employee_id": p["employee_id"], "manager_id": p["manager_id"]}
            self.handle(
                c.ProjectReportingLine(
                    p["employee_id"], p["manager_id"], self.intake_event(OrgChartEmployeeUpserted, line)
                )
            )
        for p in people:
            self.handle(c.ProjectParticipant(p, self.intake_event(ParticipantRegistered, p)))

    def run(self, program_id: str, **options: Any) -> dict[str, Any]:
        """An admin's run; the run as stored."""
        return recorded_run(self.handle(c.StartMatchRun(program_id, ADMIN, **options)))

    def publish(self, run: dict[str, Any]) -> dict[str, Any]:
        return recorded_run(self.handle(c.PublishRun(run["match_run_id"], ADMIN)))

    def pairing_of(self, program_id: str, leader_id: str) -> dict[str, Any]:
        return next(p for p in self.uow.pairings.of_program(program_id) if p["leader_id"] == leader_id)

    def runs_of(self, program_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        items, _ = self.uow.runs.summaries(program_id, 0, 100)
        return [self.uow.runs.get(s["match_run_id"]) for s in items if kind in (None, s["kind"])]

    def waiting(self, program_id: str) -> dict[str, str]:
        return {w["leader_id"]: w["reason"] for w in self.uow.waitlist.waiting(program_id)}


def recorded_run(events: list[DomainEvent]) -> dict[str, Any]:
    return next(e.run for e in events if isinstance(e, MatchRunRecorded)).to_record()


def recorded_pairing(events: list[DomainEvent]) -> dict[str, Any]:
    return next(e.pairing for e in events if isinstance(e, PairingRecorded)).to_record()


def story_of(program_id: str, employee_ids: tuple[str, str, str], *, published_run: bool = False) -> Story:
    """Two leaders and one junior enrolled in a matching program (and, if asked, a run published)."""
    world = Story()
    world.enrol(program(program_id), two_leaders_one_junior(program_id, employee_ids))
    if published_run:
        world.publish(world.run(program_id, seed=1))
    return world


def published(events: list[DomainEvent]) -> list[str]:
    """The verbs of the published events, in order (``proposed``, ``completed``, ``declined`` …)."""
    return [e.type.split(".")[2] for e in events if isinstance(e, PublishedEvent)]

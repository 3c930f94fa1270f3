"""Intake's use cases: programs and participants; each takes the store and the caller, returns JSON data."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from services.intake import store
from services.intake.domain import Participant, Program
from services.intake.events import envelopes
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.metrics import PARTICIPANTS_REGISTERED

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _program_view(program: Program) -> dict[str, Any]:
    """The program as the API shows it (dates as dates, so the response schema formats them)."""
    return {**program.to_record(), "starts_on": program.starts_on, "ends_on": program.ends_on}


class IntakeService:
    def __init__(self, db: Database, clock: Clock = _now) -> None:
        self.programs = store.AggregateStore(db, store.PROGRAMS)
        self.participants = store.AggregateStore(db, store.PARTICIPANTS)
        self.clock = clock

    # -- programs -----------------------------------------------------------------------------------
    def _program(self, program_id: str) -> tuple[Program, int]:
        loaded = self.programs.load(program_id)
        if loaded is None:
            raise NotFound(f"program {program_id} does not exist", field="program_id")
        record, version = loaded
        return Program.from_record(record), version

    @staticmethod
    def _require_program_admin(program: Program, principal: Principal) -> None:
        if not (principal.has_any(("admin",)) and program.is_admin(principal.subject)):
            raise Forbidden(f"only the admins of program {program.program_id} may change it")

    def create_program(self, values: dict[str, Any], principal: Principal) -> dict[str, Any]:
        program_id = str(uuid.uuid4())
        admins = values.get("admins") or [principal.subject]
        program, events = Program.create(program_id, **{**values, "admins": admins}, now=self.clock())
        self.programs.insert(program_id, program.to_record(), envelopes(events), "program already exists")
        return _program_view(program)

    def get_program(self, program_id: str) -> dict[str, Any]:
        return _program_view(self._program(program_id)[0])

    def list_programs(self, status: str | None, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        records, total = self.programs.find({"status": status} if status else {}, skip, limit)
        return [_program_view(Program.from_record(r)) for r in records], total

    def update_program(
        self, program_id: str, changes: dict[str, Any], principal: Principal
    ) -> dict[str, Any]:
        program, version = self._program(program_id)
        self._require_program_admin(program, principal)
        events = program.update(changes, now=self.clock())
        if events:
            self.programs.save(program_id, program.to_record(), version, envelopes(events))
        return _program_view(program)

    def transition_program(self, program_id: str, status: str, principal: Principal) -> dict[str, Any]:
        program, version = self._program(program_id)
        self._require_program_admin(program, principal)
        events = program.transition(status, now=self.clock())
        self.programs.save(program_id, program.to_record(), version, envelopes(events))
        return _program_view(program)

    # -- participants -------------------------------------------------------------------------------
    def _participant(self, participant_id: str) -> tuple[Participant, int]:
        loaded = self.participants.load(participant_id)
        if loaded is None:
            raise NotFound(f"participant {participant_id} does not exist")
        record, version = loaded
        return Participant.from_record(record), version

    def _require_self_or_staff(self, participant: Participant, principal: Principal) -> None:
        """BOLA guard: a participant reaches only their own profile; staff reach any."""
        if principal.has_any(("admin", "hr", "service")):
            return
        if participant.employee_id is None or principal.subject != participant.employee_id:
            raise NotFound(f"participant {participant.participant_id} does not exist")

    def register_participant(self, values: dict[str, Any], principal: Principal) -> dict[str, Any]:
        values = dict(values)
        program, _ = self._program(values.pop("program_id"))
        is_self = principal.subject == values.get("employee_id")
        if not (principal.has_any(("admin", "hr")) or is_self):
            raise Forbidden("participants may enrol only themselves")
        participant_id = str(uuid.uuid4())
        participant, events = Participant.register(program, participant_id, values, now=self.clock())
        self.participants.insert(
            participant_id,
            participant.to_record(),
            envelopes(events),
            f"employee {participant.employee_id} is already enrolled in program {program.program_id}",
        )
        PARTICIPANTS_REGISTERED.labels(participant.role).inc()
        return participant.to_record()

    def get_participant(self, participant_id: str, principal: Principal) -> dict[str, Any]:
        participant, _ = self._participant(participant_id)
        self._require_self_or_staff(participant, principal)
        return participant.to_record()

    def list_participants(self, filters: dict[str, Any], skip: int, limit: int) -> tuple[list[dict], int]:
        query = {k: v for k, v in filters.items() if k in ("program_id", "role", "status") and v}
        return self.participants.find(query, skip, limit)

    def update_participant(
        self, participant_id: str, changes: dict[str, Any], principal: Principal
    ) -> dict[str, Any]:
        participant, version = self._participant(participant_id)
        self._require_self_or_staff(participant, principal)
        program, _ = self._program(participant.program_id)
        events = participant.update(changes, program, now=self.clock())
        if events:
            self.participants.save(participant_id, participant.to_record(), version, envelopes(events))
        return participant.to_record()

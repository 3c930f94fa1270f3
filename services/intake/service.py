"""Intake's use cases: programs, participants, consent and erasure, retention, HR imports and the org chart.

Each takes the caller (a ``Principal``; none for the worker's housekeeping) and returns JSON-ready data.
Authorisation lives here, next to the data it protects: program admins (role ``admin`` AND listed in the
program's ``admins``) manage their program and its people, ``hr`` manages people and the org chart, and a
participant reaches only their own profile (anyone else's is a 404, so ids cannot be probed).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pymongo.database import Database

from services.intake import store
from services.intake.domain import (
    OrgChart,
    OrgChartDiff,
    Participant,
    Program,
    RetentionPolicy,
    diff_org_charts,
)
from services.intake.events import envelopes
from services.intake.importer import RowRejection, decode_upload, import_participants
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound
from shared.metrics import PARTICIPANTS_REGISTERED
from shared.mongo import now as stored_now

Clock = Callable[[], datetime]
STAFF_READERS = ("admin", "hr", "service")
# How long an API process may enrol against a program it read recently instead of reading it again. Changes
# made through this process are seen at once; one made through another replica within this time.
PROGRAM_READ_REUSE_S = 1.0


def _program_view(program: Program) -> dict[str, Any]:
    """The program as the API shows it (dates as dates, so the response schema formats them)."""
    return {**program.to_record(), "starts_on": program.starts_on, "ends_on": program.ends_on}


def _participant_record(participant: Participant) -> dict[str, Any]:
    key = store.enrolment_key(participant.program_id, participant.employee_id, participant.participant_id)
    return {**participant.to_record(), store.ENROLMENT_KEY: key}


class IntakeService:
    def __init__(
        self, db: Database, clock: Clock = stored_now, retention: RetentionPolicy | None = None
    ) -> None:
        self.programs = store.AggregateStore(db, store.PROGRAMS)
        self.participants = store.AggregateStore(db, store.PARTICIPANTS)
        self.orgchart = store.OrgChartStore(db)
        self.imports = db[store.IMPORTS]
        self.clock = clock
        self.retention = retention or RetentionPolicy.days(365)
        self._recent_programs: dict[str, tuple[dict[str, Any], float]] = {}
        self._recent_programs_lock = threading.Lock()

    # -- authorisation ------------------------------------------------------------------------------
    @staticmethod
    def _is_program_admin(program: Program, principal: Principal) -> bool:
        return principal.has_any(("admin",)) and program.is_admin(principal.subject)

    def _require_program_admin(self, program: Program, principal: Principal) -> None:
        if not self._is_program_admin(program, principal):
            raise Forbidden(f"only the admins of program {program.program_id} may do this")

    def _manages_people(self, program: Program, principal: Principal) -> bool:
        return principal.has_any(("hr",)) or self._is_program_admin(program, principal)

    def _require_access(self, participant: Participant, principal: Principal, *, write: bool) -> None:
        """BOLA guard: a participant reaches only their own profile; staff reach what their role allows."""
        if participant.employee_id is not None and principal.subject == participant.employee_id:
            return
        if not principal.has_any(STAFF_READERS):
            raise NotFound(f"participant {participant.participant_id} does not exist")
        if not write:
            return
        program, _ = self._program(participant.program_id)
        if not self._manages_people(program, principal):
            raise Forbidden(
                f"only hr or the admins of program {program.program_id} may change its participants"
            )

    # -- programs -----------------------------------------------------------------------------------
    def _program_record(self, program_id: str) -> tuple[dict[str, Any], int]:
        loaded = self.programs.load(program_id)
        if loaded is None:
            raise NotFound(f"program {program_id} does not exist", field="program_id")
        return loaded

    def _program(self, program_id: str) -> tuple[Program, int]:
        record, version = self._program_record(program_id)
        return Program.from_record(record), version

    def _program_to_enrol_in(self, program_id: str) -> Program:
        """The program for an enrolment, read at most once per ``PROGRAM_READ_REUSE_S`` per process.

        Every enrolment needs its program's status and rules; reading it again for each request was a third
        of an enrolment's database work. Programs change rarely, and ``_save_program`` forgets the copy.
        """
        now = time.monotonic()
        with self._recent_programs_lock:
            recent = self._recent_programs.get(program_id)
        if recent is not None and now - recent[1] <= PROGRAM_READ_REUSE_S:
            return Program.from_record(recent[0])
        record, _ = self._program_record(program_id)
        with self._recent_programs_lock:
            self._recent_programs[program_id] = (record, now)
        return Program.from_record(record)

    def _save_program(self, program: Program, version: int, events: list) -> None:
        self.programs.save(program.program_id, program.to_record(), version, envelopes(events))
        with self._recent_programs_lock:
            self._recent_programs.pop(program.program_id, None)

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
            self._save_program(program, version, events)
        return _program_view(program)

    def transition_program(self, program_id: str, status: str, principal: Principal) -> dict[str, Any]:
        program, version = self._program(program_id)
        self._require_program_admin(program, principal)
        events = program.transition(status, now=self.clock())
        self._save_program(program, version, events)
        return _program_view(program)

    # -- retention ----------------------------------------------------------------------------------
    def purge_program(self, program_id: str, principal: Principal) -> dict[str, Any]:
        """An admin erases a closed program's participants now, before the retention period runs out."""
        program, version = self._program(program_id)
        self._require_program_admin(program, principal)
        erased = self._purge(program, version)
        return {"program_id": program_id, "erased": erased, "purged_at": program.personal_data_purged_at}

    def purge_due(self, now: datetime | None = None) -> dict[str, int]:
        """The worker's periodic retention run: purge every closed program past the retention period."""
        now = now or self.clock()
        closed = [Program.from_record(record) for record, _ in self.programs.load_many({"status": "closed"})]
        purged: dict[str, int] = {}
        for program_id in self.retention.due_for_purge(closed, now):
            program, version = self._program(program_id)
            purged[program_id] = self._purge(program, version)
        return purged

    def _purge(self, program: Program, version: int) -> int:
        """Erase every participant (one atomic write each, with its erased event), then mark the program.

        Safe to repeat: a purge interrupted half-way leaves the program unmarked and the next run finishes it.
        """
        now = self.clock()
        program.mark_personal_data_purged(now=now)  # refuses (409) unless the program is closed
        updates = []
        for record, participant_version in self.participants.load_many({"program_id": program.program_id}):
            participant = Participant.from_record(record)
            events = participant.erase(now=now)
            if events:
                updates.append(
                    store.Update(
                        participant.participant_id,
                        _participant_record(participant),
                        participant_version,
                        envelopes(events),
                        replace_outbox=True,
                    )
                )
        if self.participants.bulk([], updates):
            raise Conflict("participants changed during the purge; run it again to finish")
        self._save_program(program, version, [])
        return len(updates)

    # -- participants -------------------------------------------------------------------------------
    def _participant(self, participant_id: str) -> tuple[Participant, int]:
        loaded = self.participants.load(participant_id)
        if loaded is None:
            raise NotFound(f"participant {participant_id} does not exist")
        record, version = loaded
        return Participant.from_record(record), version

    def register_participant(self, values: dict[str, Any], principal: Principal) -> dict[str, Any]:
        values = dict(values)
        program = self._program_to_enrol_in(values.pop("program_id"))
        is_self = principal.subject == values.get("employee_id")
        if not (is_self or self._manages_people(program, principal)):
            raise Forbidden("participants may enrol only themselves; hr or the program's admins enrol others")
        participant_id = str(uuid.uuid4())
        participant, events = Participant.register(program, participant_id, values, now=self.clock())
        self.participants.insert(
            participant_id,
            _participant_record(participant),
            envelopes(events),
            f"employee {participant.employee_id} is already enrolled in program {program.program_id}",
        )
        PARTICIPANTS_REGISTERED.labels(participant.role).inc()
        return participant.to_record()

    def get_participant(self, participant_id: str, principal: Principal) -> dict[str, Any]:
        participant, _ = self._participant(participant_id)
        self._require_access(participant, principal, write=False)
        return participant.to_record()

    def list_participants(self, filters: dict[str, Any], skip: int, limit: int) -> tuple[list[dict], int]:
        names = ("program_id", "role", "status", "employee_id")
        query = {k: v for k, v in filters.items() if k in names and v}
        return self.participants.find(query, skip, limit)

    def _change(
        self,
        participant_id: str,
        principal: Principal,
        change: Callable[[Participant, Program], list],
    ) -> dict[str, Any]:
        """Load, authorise, apply a domain change, save state + events in one write."""
        participant, version = self._participant(participant_id)
        self._require_access(participant, principal, write=True)
        program, _ = self._program(participant.program_id)
        events = change(participant, program)
        if events:
            self.participants.save(
                participant_id,
                _participant_record(participant),
                version,
                envelopes(events),
                replace_outbox=participant.is_erased,
            )
        return participant.to_record()

    def update_participant(
        self, participant_id: str, changes: dict[str, Any], principal: Principal
    ) -> dict[str, Any]:
        return self._change(
            participant_id, principal, lambda p, program: p.update(changes, program, now=self.clock())
        )

    def withdraw_participant(
        self, participant_id: str, reason: str | None, principal: Principal
    ) -> dict[str, Any]:
        return self._change(participant_id, principal, lambda p, _: p.withdraw(reason, now=self.clock()))

    def reenrol_participant(self, participant_id: str, principal: Principal) -> dict[str, Any]:
        return self._change(
            participant_id, principal, lambda p, program: p.reenrol(program, now=self.clock())
        )

    def update_consent(
        self, participant_id: str, consent: dict[str, bool], principal: Principal
    ) -> dict[str, Any]:
        """``data_processing: false`` erases the participant; ``matching: false`` withdraws them."""
        return self._change(
            participant_id, principal, lambda p, _: p.update_consent(**consent, now=self.clock())
        )

    def erase_participant(self, participant_id: str, principal: Principal) -> dict[str, Any]:
        """GDPR erasure: only ids remain; pending events with personal data are dropped with it."""
        return self._change(participant_id, principal, lambda p, _: p.erase(now=self.clock()))

    # -- bulk import --------------------------------------------------------------------------------
    def import_participants(self, program_id: str, data: bytes, principal: Principal) -> dict[str, Any]:
        """Validate every row, upsert by employee id in one bulk write; identical rows change nothing."""
        program, _ = self._program(program_id)
        if not self._manages_people(program, principal):
            raise Forbidden(f"only hr or the admins of program {program_id} may import participants")
        text = decode_upload(data)
        existing: dict[str, Participant] = {}
        versions: dict[str, int] = {}
        for record, version in self.participants.load_many({"program_id": program_id}):
            participant = Participant.from_record(record)
            versions[participant.participant_id] = version
            if participant.employee_id is not None:
                existing[participant.employee_id] = participant
        result = import_participants(text, program, existing, now=self.clock())
        managers = {employee: manager for employee, manager in result.managers.items() if manager}
        if managers:
            self._merge_orgchart(managers)
        inserts, updates = [], []
        for change in result.changes:
            participant = change.participant
            record, events = _participant_record(participant), envelopes(change.events)
            if change.kind == "registered":
                inserts.append(store.Insert(participant.participant_id, record, events))
            else:
                updates.append(
                    store.Update(
                        participant.participant_id, record, versions[participant.participant_id], events
                    )
                )
        failed = self.participants.bulk(inserts, updates)
        report = result.report
        if failed:
            _reject_lost_races(report, failed)
        for role, count in Counter(
            c.participant.role
            for c in result.changes
            if c.kind == "registered" and c.participant.participant_id not in failed
        ).items():
            PARTICIPANTS_REGISTERED.labels(role).inc(count)
        self.imports.insert_one(
            {
                "_id": str(uuid.uuid4()),
                "program_id": program_id,
                "imported_by": principal.subject,
                "imported_at": self.clock(),
                "file_sha256": hashlib.sha256(data).hexdigest(),
                "total_rows": report.total_rows,
                "accepted": len(report.accepted),
                "updated": len(report.updated),
                "unchanged": report.unchanged,
                "rejected_rows": report.rejected_rows,
            }
        )
        return report.to_dict()

    # -- org chart ----------------------------------------------------------------------------------
    def replace_orgchart(self, managers: Mapping[str, str | None]) -> dict[str, Any]:
        """HR uploads the whole organisation; only new or changed reporting lines emit events.

        The upload supersedes every line from before it, including registration lines intake's worker has
        not laid over the chart yet (it skips those older than the last whole upload).
        """
        uploaded_at = self.clock()
        diff = self._write_orgchart(diff_org_charts(self.orgchart.load(), managers), uploaded_at)
        self.orgchart.mark_whole_upload(uploaded_at)
        problems = OrgChart(managers).problems()
        return {
            "employees": len(managers),
            "upserted": len(diff.upserted),
            "removed": len(diff.removed),
            "unchanged": len(managers) - len(diff.upserted),
            "problems": [problem.to_dict() for problem in problems],
        }

    def orgchart_problems(self) -> dict[str, Any]:
        chart = OrgChart(self.orgchart.load())
        return {"employees": len(chart), "problems": [problem.to_dict() for problem in chart.problems()]}

    def _merge_orgchart(self, managers: Mapping[str, str | None]) -> None:
        """Lay reporting lines from a registration or an import over the chart (others stay as they are)."""
        old = self.orgchart.load({store.bucket_of(e) for e in managers})
        self._write_orgchart(diff_org_charts({e: old[e] for e in managers if e in old}, managers))

    def _write_orgchart(self, diff: OrgChartDiff, as_of: datetime | None = None) -> OrgChartDiff:
        """Write only the changed lines, each bucket's lines together with their events."""
        events: dict[str, list] = defaultdict(list)
        for event in envelopes(diff.events()):
            events[store.bucket_of(event.subject or "")].append(event)
        self.orgchart.write(diff.upserted, diff.removed, events, as_of or self.clock())
        return diff


def _reject_lost_races(report: Any, failed: set[str]) -> None:
    """Rows whose write lost a race with another writer are reported as rejected, never half-applied."""
    for name in ("accepted", "updated"):
        kept = []
        for entry in getattr(report, name):
            if entry["participant_id"] in failed:
                report.rejected.append(
                    RowRejection(
                        entry["row"],
                        "employee_id",
                        "enrolled or changed by someone else during this import; import the file again",
                        entry["employee_id"],
                    )
                )
            else:
                kept.append(entry)
        setattr(report, name, kept)
    report.rejected.sort(key=lambda rejection: rejection.row)

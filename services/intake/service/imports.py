"""The HR import use case: validate every row of a people CSV, then upsert by employee id in one bulk
write; identical rows change nothing, and a ``manager_id`` column feeds the org chart."""

from __future__ import annotations

import hashlib
from collections import Counter

from services.intake.domain import DomainEvent, ImportCompleted, Participant
from services.intake.domain.importer import decode_upload, import_participants
from services.intake.service.access import load_program, manages_people
from services.intake.service.commands import ImportParticipants
from services.intake.service.orgchart import merge_lines
from services.intake.service.ports import IntakeUnitOfWork
from shared.errors import Forbidden
from shared.metrics import PARTICIPANTS_REGISTERED
from shared.versioned import Insert, Update


def import_people(command: ImportParticipants, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    program, _ = load_program(uow, command.program_id)
    if not manages_people(program, command.by):
        raise Forbidden(f"only hr or the admins of program {program.program_id} may import participants")
    text = decode_upload(command.data)
    existing: dict[str, Participant] = {}
    versions: dict[str, int] = {}
    for loaded in uow.participants.in_program(program.program_id):
        participant = Participant.from_record(loaded.record)
        versions[participant.participant_id] = loaded.version
        if participant.employee_id is not None:
            existing[participant.employee_id] = participant
    result = import_participants(text, program, existing, now=uow.clock())
    managers = {employee: manager for employee, manager in result.managers.items() if manager}
    if managers:
        merge_lines(uow, managers)
    inserts, updates = [], []
    for change in result.changes:
        participant = change.participant
        key, record = participant.participant_id, participant.to_record()
        if change.kind == "registered":
            inserts.append(Insert(key, record, change.events))
        else:
            updates.append(Update(key, record, versions[key], change.events))
    failed = uow.participants.bulk(inserts, updates)
    report = result.report
    if failed:
        report.reject_lost(failed)
    registered = Counter(
        c.participant.role
        for c in result.changes
        if c.kind == "registered" and c.participant.participant_id not in failed
    )
    for role, count in registered.items():
        PARTICIPANTS_REGISTERED.labels(role).inc(count)
    uow.imports.add(
        {
            "_id": command.import_id,
            "program_id": program.program_id,
            "imported_by": command.by.subject,
            "imported_at": uow.clock(),
            "file_sha256": hashlib.sha256(command.data).hexdigest(),
            "total_rows": report.total_rows,
            "accepted": len(report.accepted),
            "updated": len(report.updated),
            "unchanged": report.unchanged,
            "rejected_rows": report.rejected_rows,
        }
    )
    written = [e for c in result.changes if c.participant.participant_id not in failed for e in c.events]
    return [*written, ImportCompleted(program.program_id, report.to_dict())]

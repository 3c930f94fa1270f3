"""Program use cases: create, change, move along the lifecycle, and purge personal data after closing."""

from __future__ import annotations

from datetime import datetime

from services.intake.domain import (
    DomainEvent,
    Participant,
    Program,
    ProgramPurged,
    ProgramRecorded,
)
from services.intake.service.access import load_program, require_program_admin
from services.intake.service.commands import (
    CreateProgram,
    PurgeDueRetention,
    PurgeProgram,
    TransitionProgram,
    UpdateProgram,
)
from services.intake.service.ports import IntakeUnitOfWork
from shared.errors import Conflict
from shared.versioned import Update


def recorded(program: Program) -> ProgramRecorded:
    return ProgramRecorded(program.program_id, program.to_record())


def create_program(command: CreateProgram, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    """The caller becomes the program's admin unless ``admins`` is given."""
    admins = command.values.get("admins") or [command.by.subject]
    program, events = Program.create(
        command.program_id, **{**command.values, "admins": admins}, now=uow.clock()
    )
    if not uow.programs.insert(program.program_id, program.to_record(), events):
        raise Conflict(f"program {program.program_id} already exists")
    return [*events, recorded(program)]


def update_program(command: UpdateProgram, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    program, version = load_program(uow, command.program_id)
    require_program_admin(program, command.by)
    events = program.update(command.changes, now=uow.clock())
    if events:
        uow.programs.save(program.program_id, program.to_record(), version, events)
    return [*events, recorded(program)]


def transition_program(command: TransitionProgram, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    program, version = load_program(uow, command.program_id)
    require_program_admin(program, command.by)
    events = program.transition(command.status, now=uow.clock())
    uow.programs.save(program.program_id, program.to_record(), version, events)
    return [*events, recorded(program)]


def purge_program(command: PurgeProgram, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    program, version = load_program(uow, command.program_id)
    require_program_admin(program, command.by)
    return [_purge(uow, program, version)]


def purge_due_retention(command: PurgeDueRetention, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    now = command.now or uow.clock()
    closed = [Program.from_record(loaded.record) for loaded in uow.programs.with_status("closed")]
    purged = []
    for program_id in command.retention.due_for_purge(closed, now):
        program, version = load_program(uow, program_id)
        purged.append(_purge(uow, program, version))
    return purged


def _purge(uow: IntakeUnitOfWork, program: Program, version: int) -> ProgramPurged:
    """Erase every participant (one atomic write each, with its erased event), then mark the program.

    Safe to repeat: a purge interrupted half-way leaves the program unmarked and the next run finishes it.
    """
    now: datetime = uow.clock()
    program.mark_personal_data_purged(now=now)  # refuses (409) unless the program is closed
    updates = []
    enrolled = uow.participants.in_program(program.program_id)
    for loaded in enrolled:
        participant = Participant.from_record(loaded.record)
        events = participant.erase(now=now)
        if events:
            updates.append(
                Update(
                    participant.participant_id,
                    participant.to_record(),
                    loaded.version,
                    events,
                    replace_outbox=True,
                )
            )
    if uow.participants.bulk([], updates):
        raise Conflict("participants changed during the purge; run it again to finish")
    for loaded in enrolled:  # every key, so a purge run again finishes what a crash left
        uow.data_keys.destroy(loaded.record["participant_id"])
    uow.programs.save(program.program_id, program.to_record(), version)
    return ProgramPurged(program.program_id, len(updates), program.personal_data_purged_at)

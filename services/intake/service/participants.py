"""Participant use cases: enrol, change a profile, withdraw and come back, consent, and erasure (GDPR).

Enrolment is the hot path: one program read (reused for up to ``PROGRAM_READ_REUSE_S``) and ONE document
write of the participant with its event; the reporting line it names reaches the org chart later, through
intake's own worker (``SetReportingLine``).
"""

from __future__ import annotations

from collections.abc import Callable

from services.intake.domain import DomainEvent, Participant, ParticipantRecorded, Program
from services.intake.service.access import (
    load_participant,
    load_program,
    load_program_to_enrol_in,
    manages_people,
    require_access,
)
from services.intake.service.commands import (
    ChangeConsent,
    EraseParticipant,
    ReenrolParticipant,
    RegisterParticipant,
    UpdateParticipant,
    WithdrawParticipant,
)
from services.intake.service.ports import IntakeUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, Forbidden
from shared.metrics import PARTICIPANTS_REGISTERED

Change = Callable[[Participant, Program], list[DomainEvent]]


def recorded(participant: Participant) -> ParticipantRecorded:
    return ParticipantRecorded(participant.participant_id, participant.to_record())


def register_participant(command: RegisterParticipant, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    """hr and the program's admins enrol anyone; a participant enrols only themself."""
    values = dict(command.values)
    program = load_program_to_enrol_in(uow, values.pop("program_id"))
    is_self = command.by.subject == values.get("employee_id")
    if not (is_self or manages_people(program, command.by)):
        raise Forbidden("participants may enrol only themselves; hr or the program's admins enrol others")
    participant, events = Participant.register(program, command.participant_id, values, now=uow.clock())
    if not uow.participants.insert(participant.participant_id, participant.to_record(), events):
        raise Conflict(
            f"employee {participant.employee_id} is already enrolled in program {program.program_id}"
        )
    PARTICIPANTS_REGISTERED.labels(participant.role).inc()
    return [*events, recorded(participant)]


def _change(uow: IntakeUnitOfWork, participant_id: str, by: Principal, change: Change) -> list[DomainEvent]:
    """Load, authorise, apply a domain change, save state + events in one write."""
    participant, version = load_participant(uow, participant_id)
    require_access(uow, participant, by, write=True)
    program, _ = load_program(uow, participant.program_id)
    events = change(participant, program)
    if events:
        uow.participants.save(
            participant_id,
            participant.to_record(),
            version,
            events,
            replace_outbox=participant.is_erased,
        )
    if participant.is_erased:
        # After the erased state is stored (a repeated erasure finishes one a crash interrupted): events
        # sealed with this key, in every topic and dead-letter topic, can no longer be read.
        uow.data_keys.destroy(participant_id)
    return [*events, recorded(participant)]


def update_participant(command: UpdateParticipant, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    return _change(
        uow,
        command.participant_id,
        command.by,
        lambda p, program: p.update(command.changes, program, now=uow.clock()),
    )


def withdraw_participant(command: WithdrawParticipant, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    return _change(
        uow, command.participant_id, command.by, lambda p, _: p.withdraw(command.reason, now=uow.clock())
    )


def reenrol_participant(command: ReenrolParticipant, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    return _change(
        uow, command.participant_id, command.by, lambda p, program: p.reenrol(program, now=uow.clock())
    )


def change_consent(command: ChangeConsent, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    return _change(
        uow,
        command.participant_id,
        command.by,
        lambda p, _: p.update_consent(**command.consent, now=uow.clock()),
    )


def erase_participant(command: EraseParticipant, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    return _change(uow, command.participant_id, command.by, lambda p, _: p.erase(now=uow.clock()))

"""Forgetting a person (GDPR): the projection keeps a tombstone, live pairings end ("erased"), and
pairings, runs, waitlists and conflicts keep no personal data. Idempotent: a replay finds nothing
left to do. The rematch the freed places allow is a follow-up, never run from here."""

from __future__ import annotations

from services.matching.domain import ERASED, MatchRun
from services.matching.service.commands import EraseParticipant
from services.matching.service.pairings import end_pairings_of
from services.matching.store.ports import MatchingUnitOfWork
from shared.messages import DomainEvent


def erase_participant(command: EraseParticipant, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    participant_id = command.participant_id
    before = uow.projection.participant(participant_id) or {}
    employee_id = command.employee_id or before.get("employee_id")
    uow.projection.forget_participant(participant_id, command.program_id, command.event)
    ended = end_pairings_of(
        uow,
        participant_id,
        command.program_id,
        ("erased", ERASED),
        "partner_erased",
        scrub=lambda pairing: pairing.without_personal_data(participant_id),
    )
    if employee_id:
        uow.conflicts.forget(employee_id)
    for record in uow.runs.mentioning(participant_id):
        run = MatchRun.from_record(record)
        scrubbed = run.without_participant(participant_id, employee_id)
        uow.runs.save(record["_id"], record["_version"], scrubbed.to_record())
    return list(ended)

"""Erasure (``participant.erased``): the tombstone first, so an event racing this one (matching ends the
pairing because of the erasure, after it) creates nothing that names the person; then what they wrote.

Deleted: their goals (with every progress note), their survey answers, their private notes, and the text
of check-ins they logged (topics, shared notes). Anonymised, because the other side's record or the
program's statistics must stay: a check-in they logged keeps its date and duration with ``logged_by:
erased``; an insight keeps its area, status and times (the program's raised / acted-upon figures) and
loses the erased person's text — the junior's description and suggested action, or the leader's "what
changed" — and id. Pairings keep their lifecycle with ``erased`` in place of the id. Scheduled work of
their pairings is cancelled, and their counters are recounted (the report stops counting deleted goals).
The pulse (``services.feedback.pulse``) forgets its markers and escalations.
"""

from __future__ import annotations

from services.feedback.service.commands import PairingWritten
from services.feedback.store import FeedbackUnitOfWork
from services.feedback.store.pairings import ERASED
from shared.messages import DomainEvent, ForgetParticipant

CHECK_IN_TEXT = {"topics": [], "shared_notes": None}


def forget_participant(command: ForgetParticipant, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    person = command.participant_id
    uow.people.erase(person)
    touched = []
    for pairing in uow.pairings.of_participant(person):
        pairing_id = pairing["pairing_id"]
        touched.append(PairingWritten(pairing_id))
        for goal in uow.goals.of_pairing(pairing_id):
            if goal["owner_id"] == person:
                uow.goals.remove(pairing_id, goal["goal_id"])
        for answer in uow.survey_answers.of_pairing(pairing_id):
            if answer["participant_id"] == person:
                uow.survey_answers.remove(pairing_id, f"{answer['kind']}|{person}")
        for check_in in uow.check_ins.of_pairing(pairing_id):
            private = {k: v for k, v in (check_in.get("private_notes") or {}).items() if k != person}
            changes = {"private_notes": private}
            if check_in["logged_by"] == person:
                changes.update(CHECK_IN_TEXT, logged_by=ERASED)
            uow.check_ins.change(pairing_id, check_in["check_in_id"], changes)
        for insight in uow.insights.of_pairing(pairing_id):
            if insight["junior_id"] == person:
                changes = {"junior_id": ERASED, "description": None, "suggested_action": None}
            elif insight["leader_id"] == person:
                changes = {"leader_id": ERASED, "what_changed": None}
            else:
                continue
            uow.insights.change(pairing_id, insight["insight_id"], changes)
        uow.schedule.cancel("pairing_id", pairing_id)
    uow.pairings.forget_participant(person)
    uow.pulses.forget(person)  # pulse markers and escalations; ballots hold nothing of them
    return touched

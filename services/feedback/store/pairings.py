"""Pairings as feedback keeps them: the projected lifecycle (matching's events, newest wins) and, in the
same document, what feedback maintains on each write — the pairing's counters and its health score with
the at-risk flag, under a revision number (compare-and-set; the events of a crossing ride in the write)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services.feedback.store.documents import Documents
from shared.messages import PublishedEvent

ERASED = "erased"
PAIRING_IDS = "pairing_ids"
PEOPLE = ("leader_id", "junior_id")
REV = "rev"


class Pairings:
    """``by_program`` holds each program's list of pairing ids (one document per program), so a program's
    pairings are read by ``_id``, never by scanning for a field."""

    def __init__(self, documents: Documents, by_program: Documents) -> None:
        self.documents = documents
        self.by_program = by_program

    def record(self, pairing_id: str, fields: dict[str, Any], as_of: datetime, cause_event_id: str) -> bool:
        """Apply the pairing's projected ``fields`` unless a newer event already did; True if applied."""
        if fields.get("program_id"):
            self.by_program.add_to_set(fields["program_id"], PAIRING_IDS, pairing_id, upsert=True)
        return self.documents.upsert_as_of(pairing_id, fields, as_of, cause_event_id)

    def get(self, pairing_id: str) -> dict[str, Any] | None:
        found = self.documents.get(pairing_id)
        return found if found and "pairing_id" in found else None

    def of_program(self, program_id: str) -> list[dict[str, Any]]:
        ids = (self.by_program.get(program_id) or {}).get(PAIRING_IDS) or []
        return [p for p in self.documents.get_many(ids) if p.get("program_id") == program_id]

    def of_participant(self, participant_id: str) -> list[dict[str, Any]]:
        return [p for person in PEOPLE for p in self.documents.where(person, participant_id)]

    def assessed(
        self,
        pairing_id: str,
        changes: dict[str, Any],
        *,
        rev: int | None,
        events: Iterable[PublishedEvent] = (),
    ) -> bool:
        """Store counters and health (and the events of an at-risk crossing) if nobody assessed the pairing
        since revision ``rev`` was read: a compare-and-set, so a crossing is published once and two
        concurrent counts never lose one another. True if written."""
        return self.documents.update(
            pairing_id, {**changes, REV: (rev or 0) + 1}, expect={REV: rev}, events=events
        )

    def mark_once(self, pairing_id: str, flag: str, value: Any, was: Any, event: PublishedEvent) -> bool:
        """Set ``flag`` from ``was`` to ``value`` with the event it implies, once: a repeated or concurrent
        attempt finds the flag changed and publishes nothing."""
        return self.documents.update(pairing_id, {flag: value}, expect={flag: was}, events=[event])

    def forget_participant(self, participant_id: str) -> None:
        """Erasure: pairings keep their existence for program statistics but lose the person's id."""
        for person in PEOPLE:
            for found in self.documents.where(person, participant_id):
                self.documents.update(found["pairing_id"], {person: ERASED})

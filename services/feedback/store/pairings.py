"""Pairings as feedback keeps them: the projected lifecycle (matching's events, newest wins) and, in the
same document, what feedback maintains on each write — counters the outcome report reads instead of
scanning check-ins, and the health score with its at-risk flag (its events ride in the same write)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services.feedback.store.documents import Documents
from shared.messages import PublishedEvent

ERASED = "erased"
PAIRING_IDS = "pairing_ids"
PEOPLE = ("leader_id", "junior_id")


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

    def summarise(self, pairing_id: str, summary: dict[str, Any]) -> None:
        """Replace the named counters (recomputed from the pairing's own records: idempotent)."""
        self.documents.update(pairing_id, summary)

    def set_health(
        self,
        pairing_id: str,
        health: dict[str, Any],
        *,
        was_at_risk: bool | None,
        events: Iterable[PublishedEvent] = (),
    ) -> bool:
        """Store a health figure; the at-risk flag (and the events of its change) only if nobody changed it
        since ``was_at_risk`` was read, so a crossing is published once."""
        return self.documents.update(
            pairing_id,
            {"health": health, "at_risk": health["at_risk"]},
            expect={"at_risk": was_at_risk},
            events=events,
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

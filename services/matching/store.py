"""Matching's own database: projections of intake's programs, participants and org chart."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from shared.events.envelope import Event
from shared.mongo import IndexSpec
from shared.projection import tombstone, upsert_if_newer

PARTICIPANTS = "participants"
PROGRAMS = "programs"
ORGCHART = "orgchart"

HIDDEN = {"_id": 0, "_event_time": 0, "_event_id": 0, "_erased": 0}
INDEXES = [
    IndexSpec(PARTICIPANTS, (("program_id", ASCENDING), ("role", ASCENDING))),
    IndexSpec(PARTICIPANTS, (("employee_id", ASCENDING),)),
]


class ProjectionStore:
    """Participants, programs and reporting lines as matching last heard of them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save_participant(self, data: dict[str, Any], event: Event) -> bool:
        return upsert_if_newer(self.db[PARTICIPANTS], data["participant_id"], data, event)

    def set_participant_status(self, participant_id: str, status: str, event: Event) -> bool:
        return upsert_if_newer(self.db[PARTICIPANTS], participant_id, {"status": status}, event)

    def forget_participant(self, participant_id: str, program_id: str, event: Event) -> None:
        """Erasure: only the ids remain, as a tombstone that no replayed event can bring back to life."""
        tombstone(
            self.db[PARTICIPANTS],
            participant_id,
            {"participant_id": participant_id, "program_id": program_id, "status": "erased"},
            event,
        )

    def save_program(self, data: dict[str, Any], event: Event) -> bool:
        return upsert_if_newer(self.db[PROGRAMS], data["program_id"], data, event)

    def save_reporting_line(self, employee_id: str, manager_id: str | None, event: Event) -> bool:
        return upsert_if_newer(self.db[ORGCHART], employee_id, {"manager_id": manager_id}, event)

    def participant(self, participant_id: str) -> dict[str, Any] | None:
        return self.db[PARTICIPANTS].find_one({"_id": participant_id}, HIDDEN)

    def participants(
        self, program_id: str | None, role: str | None, skip: int, limit: int
    ) -> tuple[list, int]:
        query: dict[str, Any] = {"status": {"$ne": "erased"}}
        if program_id:
            query["program_id"] = program_id
        if role:
            query["role"] = role
        cursor = self.db[PARTICIPANTS].find(query, HIDDEN).sort("_id", ASCENDING).skip(skip).limit(limit)
        return list(cursor), self.db[PARTICIPANTS].count_documents(query)

    def program(self, program_id: str) -> dict[str, Any] | None:
        return self.db[PROGRAMS].find_one({"_id": program_id}, HIDDEN)

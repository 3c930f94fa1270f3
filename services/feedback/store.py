"""Feedback's database: pairing health records (goals, check-ins and pulse arrive in later issues)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from shared.events.envelope import Event
from shared.mongo import IndexSpec
from shared.projection import upsert_if_newer

PAIRINGS = "pairing_health"
INDEXES = [
    IndexSpec(PAIRINGS, (("program_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("leader_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("junior_id", ASCENDING),)),
]
HIDDEN = {"_id": 0, "_event_time": 0, "_event_id": 0, "_erased": 0}


class PairingHealthStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def set_state(self, data: dict[str, Any], state: str, event: Event) -> bool:
        fields = {k: data[k] for k in ("pairing_id", "program_id", "leader_id", "junior_id")}
        return upsert_if_newer(self.db[PAIRINGS], data["pairing_id"], {**fields, "state": state}, event)

    def forget_participant(self, participant_id: str) -> None:
        """Erasure: pairings keep their existence for program statistics but lose the person's id."""
        self.db[PAIRINGS].update_many({"leader_id": participant_id}, {"$set": {"leader_id": "erased"}})
        self.db[PAIRINGS].update_many({"junior_id": participant_id}, {"$set": {"junior_id": "erased"}})

    def get(self, pairing_id: str) -> dict[str, Any] | None:
        return self.db[PAIRINGS].find_one({"_id": pairing_id}, HIDDEN)

"""The pulse store on a Mongo-wire server (four collections; the ballot box by compare-and-set)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.feedback.pulse.domain import shuffled
from services.feedback.pulse.store.port import (
    BALLOT_BOXES,
    CAST_ATTEMPTS,
    ESCALATIONS,
    MARKERS,
    PREFIX_END,
    PULSES,
    Marker,
    entries_of,
    marker_key,
    visible,
)
from shared.errors import StaleWrite
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG
from shared.messages import PublishedEvent


class MongoPulseStore:
    def __init__(self, db: Database) -> None:
        self.pulses = db[PULSES]
        self.boxes = db[BALLOT_BOXES]
        self.markers = db[MARKERS]
        self.escalation_docs = db[ESCALATIONS]

    def add_pulse(self, pulse: dict[str, Any]) -> bool:
        try:
            self.pulses.insert_one({**pulse, "_id": pulse["pulse_id"], OUTBOX_FIELD: [], PENDING_FLAG: False})
        except DuplicateKeyError:
            return False
        with contextlib.suppress(DuplicateKeyError):  # a crash after the pulse, before its box
            self.boxes.insert_one({"_id": pulse["pulse_id"], "ballots": [], "sealed": False, "version": 0})
        return True

    def pulse(self, pulse_id: str) -> dict[str, Any] | None:
        return visible(self.pulses.find_one({"_id": pulse_id}, {OUTBOX_FIELD: 0}))

    def pulses_of(self, program_id: str) -> list[dict[str, Any]]:
        found = self.pulses.find({"program_id": program_id}, {OUTBOX_FIELD: 0})
        return sorted((visible(d) for d in found), key=lambda p: (p["opens_at"], p["pulse_id"]))  # type: ignore[index]

    def close(self, pulse_id: str, changes: dict[str, Any], events: Iterable[PublishedEvent]) -> bool:
        entries = entries_of(events)
        change: dict[str, Any] = {"$set": {**changes, PENDING_FLAG: bool(entries)}}
        if entries:
            change["$push"] = {OUTBOX_FIELD: {"$each": entries}}
        return self.pulses.update_one({"_id": pulse_id, "status": "open"}, change).matched_count == 1

    def cast(self, pulse_id: str, ballot: dict[str, Any]) -> str:
        # The whole box is read and written back reshuffled under a version check (compare-and-set): a
        # ``$push`` would append in arrival order, and ``$position`` is not honoured by every Mongo-wire
        # server (FerretDB appends).
        for _ in range(CAST_ATTEMPTS):
            box = self.boxes.find_one({"_id": pulse_id})
            if box is None or box["sealed"]:
                return "sealed"
            if any(b["ballot_id"] == ballot["ballot_id"] for b in box["ballots"]):
                return "present"
            written = self.boxes.update_one(
                {"_id": pulse_id, "version": box["version"], "sealed": False},
                {"$set": {"ballots": shuffled([*box["ballots"], ballot]), "version": box["version"] + 1}},
            )
            if written.matched_count == 1:
                return "cast"
        raise StaleWrite(pulse_id, "too many answers at once; retry")

    def seal(self, pulse_id: str) -> list[dict[str, Any]]:
        self.boxes.update_one({"_id": pulse_id}, {"$set": {"sealed": True}})
        return self.ballots(pulse_id)

    def ballots(self, pulse_id: str) -> list[dict[str, Any]]:
        box = self.boxes.find_one({"_id": pulse_id})
        return list(box["ballots"]) if box else []

    def begin(self, pulse_id: str, participant_id: str, ballot_id: str, escalation_id: str) -> Marker:
        key = marker_key(pulse_id, participant_id)
        fresh = {"pulse_id": pulse_id, "participant_id": participant_id, "pending": True,
                 "ballot_id": ballot_id, "escalation_id": escalation_id}  # fmt: skip
        try:
            self.markers.insert_one({"_id": key, **fresh})
            return Marker(True, ballot_id, escalation_id)
        except DuplicateKeyError:
            held = self.markers.find_one({"_id": key}) or {}
            return Marker(bool(held.get("pending")), held.get("ballot_id"), held.get("escalation_id"))

    def finish(self, pulse_id: str, participant_id: str) -> None:
        self.markers.update_one(
            {"_id": marker_key(pulse_id, participant_id)},
            {"$set": {"pending": False}, "$unset": {"ballot_id": "", "escalation_id": ""}},
        )

    def discard(self, pulse_id: str, participant_id: str) -> None:
        self.markers.delete_one({"_id": marker_key(pulse_id, participant_id), "pending": True})

    def answered(self, pulse_id: str, participant_id: str) -> bool:
        held = self.markers.find_one({"_id": marker_key(pulse_id, participant_id)}, {"pending": 1})
        return bool(held and not held.get("pending"))

    def unlink_pending(self, pulse_id: str) -> int:
        prefix = marker_key(pulse_id, "")
        return self.markers.update_many(
            {"_id": {"$gte": prefix, "$lt": prefix + PREFIX_END}, "pending": True},
            {"$set": {"pending": False}, "$unset": {"ballot_id": "", "escalation_id": ""}},
        ).modified_count

    def add_escalation(self, key: str, record: dict[str, Any], events: Iterable[PublishedEvent]) -> bool:
        entries = entries_of(events)
        try:
            self.escalation_docs.insert_one(
                {**record, "_id": key, OUTBOX_FIELD: entries, PENDING_FLAG: bool(entries)}
            )
        except DuplicateKeyError:
            return False
        return True

    def escalations(self, prefix: str) -> list[dict[str, Any]]:
        found = self.escalation_docs.find(
            {"_id": {"$gte": prefix, "$lt": prefix + PREFIX_END}}, {OUTBOX_FIELD: 0}
        )
        return [visible(d) for d in found]  # type: ignore[misc]

    def forget(self, participant_id: str) -> int:
        gone = self.markers.delete_many({"participant_id": participant_id}).deleted_count
        return gone + self.escalation_docs.delete_many({"participant_id": participant_id}).deleted_count

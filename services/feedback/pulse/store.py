"""The pulse's database: pulse definitions (with their outbox), one ballot box per pulse, "has answered"
markers and escalations, in four collections that share no key, time or order (see ``services.feedback
.pulse`` for why). ``MongoPulseStore`` and ``MemoryPulseStore`` pass one contract
(tests/support/pulse_store_contract.py)."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.feedback.pulse.domain import shuffled
from shared.errors import StaleWrite
from shared.events.envelope import Event
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_entries
from shared.messages import PublishedEvent
from shared.mongo import IndexSpec

PULSES = "pulses"
BALLOT_BOXES = "pulse_ballot_boxes"
MARKERS = "pulse_markers"
ESCALATIONS = "pulse_escalations"
OUTBOX_COLLECTIONS = (PULSES, ESCALATIONS)
INDEXES = [
    IndexSpec(PULSES, (("program_id", ASCENDING),)),
    IndexSpec(MARKERS, (("participant_id", ASCENDING),)),
    IndexSpec(ESCALATIONS, (("participant_id", ASCENDING),)),
]
SOURCE = "/feedback"
CAST_ATTEMPTS = 50
PREFIX_END = "\uffff"
STORAGE = ("_id", OUTBOX_FIELD, PENDING_FLAG)


@dataclass(frozen=True)
class Marker:
    """A participant's "has answered" marker. While ``pending`` (an answer being written) it holds the
    random ids that let a retry finish the same answer; finishing drops them."""

    pending: bool
    ballot_id: str | None = None
    escalation_id: str | None = None


def marker_key(pulse_id: str, participant_id: str) -> str:
    return f"{pulse_id}|{participant_id}"


def escalation_key(route: str, program_id: str, escalation_id: str) -> str:
    """Keys start with the route and program, so both inboxes are ``_id`` ranges (served from the index)."""
    return f"{route}|{program_id}|{escalation_id}"


def _entries(events: Iterable[PublishedEvent]) -> list[dict[str, Any]]:
    return outbox_entries([event.envelope(SOURCE) for event in events])


def _visible(document: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if document is None else {k: v for k, v in document.items() if k not in STORAGE}


class PulseStore(Protocol):
    def add_pulse(self, pulse: dict[str, Any]) -> bool:
        """Store a new pulse and its empty ballot box (False: the id exists)."""

    def pulse(self, pulse_id: str) -> dict[str, Any] | None: ...

    def pulses_of(self, program_id: str) -> list[dict[str, Any]]: ...

    def close(self, pulse_id: str, changes: dict[str, Any], events: Iterable[PublishedEvent]) -> bool:
        """Mark an open pulse closed with its released result and queue its events; False if not open."""

    def cast(self, pulse_id: str, ballot: dict[str, Any]) -> str:
        """Put a ballot in the pulse's box at a random position: ``cast``, ``present`` (this ballot id is
        there already: a retry) or ``sealed`` (the pulse closed)."""

    def seal(self, pulse_id: str) -> list[dict[str, Any]]:
        """Refuse further ballots and return the ballots the box holds."""

    def ballots(self, pulse_id: str) -> list[dict[str, Any]]: ...

    def begin(self, pulse_id: str, participant_id: str, ballot_id: str, escalation_id: str) -> Marker:
        """Mark the participant as answering with these ids, or return their existing marker (a finished
        one: they answered; a pending one: an earlier attempt to finish)."""

    def finish(self, pulse_id: str, participant_id: str) -> None:
        """The answer is written: keep only "has answered", without the ids that linked it."""

    def discard(self, pulse_id: str, participant_id: str) -> None:
        """Drop a pending marker whose answer was refused (nothing of it was written)."""

    def answered(self, pulse_id: str, participant_id: str) -> bool: ...

    def unlink_pending(self, pulse_id: str) -> int:
        """At close: strip the ids from markers a crash left pending, so nothing links them to a ballot."""

    def add_escalation(self, key: str, record: dict[str, Any], events: Iterable[PublishedEvent]) -> bool: ...

    def escalations(self, prefix: str) -> list[dict[str, Any]]:
        """Escalations whose key starts with ``prefix`` (``hr|`` or ``admin|<program_id>|``)."""

    def forget(self, participant_id: str) -> int:
        """Erasure: delete the participant's markers and escalations; how many documents went."""


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
        return _visible(self.pulses.find_one({"_id": pulse_id}, {OUTBOX_FIELD: 0}))

    def pulses_of(self, program_id: str) -> list[dict[str, Any]]:
        found = self.pulses.find({"program_id": program_id}, {OUTBOX_FIELD: 0})
        return sorted((_visible(d) for d in found), key=lambda p: (p["opens_at"], p["pulse_id"]))  # type: ignore[index]

    def close(self, pulse_id: str, changes: dict[str, Any], events: Iterable[PublishedEvent]) -> bool:
        entries = _entries(events)
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
        entries = _entries(events)
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
        return [_visible(d) for d in found]  # type: ignore[misc]

    def forget(self, participant_id: str) -> int:
        gone = self.markers.delete_many({"participant_id": participant_id}).deleted_count
        return gone + self.escalation_docs.delete_many({"participant_id": participant_id}).deleted_count


class MemoryPulseStore:
    """The in-memory twin for use-case tests: the same semantics, events kept in ``outbox``."""

    def __init__(self, outbox: list[Event] | None = None) -> None:
        self.pulse_docs: dict[str, dict[str, Any]] = {}
        self.boxes: dict[str, dict[str, Any]] = {}
        self.markers: dict[str, dict[str, Any]] = {}
        self.escalation_docs: dict[str, dict[str, Any]] = {}
        self.outbox: list[Event] = [] if outbox is None else outbox

    def _queue(self, events: Iterable[PublishedEvent]) -> None:
        batch = [event.envelope(SOURCE) for event in events]
        outbox_entries(batch)  # validates against the contract, as the Mongo store does
        self.outbox.extend(batch)

    def add_pulse(self, pulse: dict[str, Any]) -> bool:
        if pulse["pulse_id"] in self.pulse_docs:
            return False
        self.pulse_docs[pulse["pulse_id"]] = copy.deepcopy(pulse)
        self.boxes.setdefault(pulse["pulse_id"], {"ballots": [], "sealed": False})
        return True

    def pulse(self, pulse_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.pulse_docs.get(pulse_id))

    def pulses_of(self, program_id: str) -> list[dict[str, Any]]:
        found = [copy.deepcopy(p) for p in self.pulse_docs.values() if p["program_id"] == program_id]
        return sorted(found, key=lambda p: (p["opens_at"], p["pulse_id"]))

    def close(self, pulse_id: str, changes: dict[str, Any], events: Iterable[PublishedEvent]) -> bool:
        pulse = self.pulse_docs.get(pulse_id)
        if pulse is None or pulse["status"] != "open":
            return False
        self._queue(events)
        pulse.update(copy.deepcopy(changes))
        return True

    def cast(self, pulse_id: str, ballot: dict[str, Any]) -> str:
        box = self.boxes.get(pulse_id)
        if box is None or box["sealed"]:
            return "sealed"
        if any(b["ballot_id"] == ballot["ballot_id"] for b in box["ballots"]):
            return "present"
        box["ballots"] = shuffled([*box["ballots"], copy.deepcopy(ballot)])
        return "cast"

    def seal(self, pulse_id: str) -> list[dict[str, Any]]:
        if pulse_id in self.boxes:
            self.boxes[pulse_id]["sealed"] = True
        return self.ballots(pulse_id)

    def ballots(self, pulse_id: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.boxes.get(pulse_id, {}).get("ballots", []))

    def begin(self, pulse_id: str, participant_id: str, ballot_id: str, escalation_id: str) -> Marker:
        held = self.markers.setdefault(
            marker_key(pulse_id, participant_id),
            {"pulse_id": pulse_id, "participant_id": participant_id, "pending": True,
             "ballot_id": ballot_id, "escalation_id": escalation_id},
        )  # fmt: skip
        return Marker(held["pending"], held.get("ballot_id"), held.get("escalation_id"))

    def finish(self, pulse_id: str, participant_id: str) -> None:
        held = self.markers.get(marker_key(pulse_id, participant_id))
        if held is not None:
            held["pending"] = False
            held.pop("ballot_id", None)
            held.pop("escalation_id", None)

    def discard(self, pulse_id: str, participant_id: str) -> None:
        key = marker_key(pulse_id, participant_id)
        if self.markers.get(key, {}).get("pending"):
            del self.markers[key]

    def answered(self, pulse_id: str, participant_id: str) -> bool:
        held = self.markers.get(marker_key(pulse_id, participant_id))
        return bool(held and not held["pending"])

    def unlink_pending(self, pulse_id: str) -> int:
        pending = [m for m in self.markers.values() if m["pulse_id"] == pulse_id and m["pending"]]
        for held in pending:
            self.finish(pulse_id, held["participant_id"])
        return len(pending)

    def add_escalation(self, key: str, record: dict[str, Any], events: Iterable[PublishedEvent]) -> bool:
        if key in self.escalation_docs:
            return False
        self._queue(events)
        self.escalation_docs[key] = copy.deepcopy(record)
        return True

    def escalations(self, prefix: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for key, r in sorted(self.escalation_docs.items()) if key.startswith(prefix)]

    def forget(self, participant_id: str) -> int:
        gone = [k for k, m in self.markers.items() if m["participant_id"] == participant_id]
        gone_escalations = [
            k for k, e in self.escalation_docs.items() if e["participant_id"] == participant_id
        ]
        for key in gone:
            del self.markers[key]
        for key in gone_escalations:
            del self.escalation_docs[key]
        return len(gone) + len(gone_escalations)

"""The pulse store's in-memory twin for use-case tests: the same contract, no server."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from services.feedback.pulse.domain import shuffled
from services.feedback.pulse.store.port import SOURCE, Marker, marker_key
from shared.events.envelope import Event
from shared.events.outbox import outbox_entries
from shared.messages import PublishedEvent


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

"""The pulse store's port: its collections, keys, the "has answered" marker and the ``PulseStore``
protocol both implementations follow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo import ASCENDING

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


def entries_of(events: Iterable[PublishedEvent]) -> list[dict[str, Any]]:
    return outbox_entries([event.envelope(SOURCE) for event in events])


def visible(document: dict[str, Any] | None) -> dict[str, Any] | None:
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

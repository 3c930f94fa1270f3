"""What people write about a pairing — goals, check-ins, insights, survey answers — one collection each,
keyed ``<pairing id>|<record id>`` so a pairing's records are one ``_id`` range read (the cost of a write
or a summary stays flat as other pairings accumulate records)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.feedback.store.documents import Documents
from shared.messages import PublishedEvent


def key_of(pairing_id: str, record_id: str) -> str:
    return f"{pairing_id}|{record_id}"


class PairingRecords:
    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    def add(
        self, pairing_id: str, record_id: str, record: dict[str, Any], events: Iterable[PublishedEvent] = ()
    ) -> bool:
        return self.documents.insert(key_of(pairing_id, record_id), record, events)

    def get(self, pairing_id: str, record_id: str) -> dict[str, Any] | None:
        return self.documents.get(key_of(pairing_id, record_id))

    def change(
        self,
        pairing_id: str,
        record_id: str,
        changes: dict[str, Any],
        *,
        expect: dict[str, Any] | None = None,
        events: Iterable[PublishedEvent] = (),
    ) -> bool:
        return self.documents.update(key_of(pairing_id, record_id), changes, expect=expect, events=events)

    def replace(self, pairing_id: str, record_id: str, record: dict[str, Any]) -> None:
        self.documents.replace(key_of(pairing_id, record_id), record)

    def remove(self, pairing_id: str, record_id: str) -> bool:
        return self.documents.delete(key_of(pairing_id, record_id))

    def of_pairing(self, pairing_id: str) -> list[dict[str, Any]]:
        return self.documents.with_prefix(f"{pairing_id}|")

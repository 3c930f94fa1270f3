"""What people write about a pairing — goals, check-ins, insights, survey answers — one collection each,
keyed ``<pairing id>|<record id>``, so a pairing's records are one ``_id`` range read (an index range on
the local FerretDB since patch 0006, as on MongoDB): its cost follows the pairing's own records, not what
other pairings accumulate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.feedback.store.documents import Documents
from shared.messages import PublishedEvent


def key_of(pairing_id: str, record_id: str) -> str:
    return f"{pairing_id}|{record_id}"


class PairingRecords:
    """``written_at`` names the record's creation time, the order a pairing's records are listed in."""

    def __init__(self, documents: Documents, written_at: str) -> None:
        self.documents = documents
        self.written_at = written_at

    def add(
        self, pairing_id: str, record_id: str, record: dict[str, Any], events: Iterable[PublishedEvent] = ()
    ) -> bool:
        """False when the record exists already (a repeated request)."""
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
        """The pairing's records in the order they were written."""
        found = self.documents.with_prefix(key_of(pairing_id, ""))
        return sorted(found, key=lambda record: record[self.written_at])

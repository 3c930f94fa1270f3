"""What people write about a pairing — goals, check-ins, insights, survey answers — one collection each,
keyed ``<pairing id>|<record id>``. The pairing's own document lists the ids of its records (added before
the record is written, so a crash leaves at most an id without a record, which reads skip), so a pairing's
records are one read of ids by ``_id`` (the cost of a write or a summary stays flat as other pairings
accumulate records; FerretDB v1 would scan the whole collection for an ``_id`` range)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.feedback.store.documents import Documents
from shared.messages import PublishedEvent


def key_of(pairing_id: str, record_id: str) -> str:
    return f"{pairing_id}|{record_id}"


class PairingRecords:
    def __init__(self, documents: Documents, index: Documents, kind: str) -> None:
        self.documents = documents
        self.index = index
        self.ids_field = f"{kind}_ids"

    def add(
        self, pairing_id: str, record_id: str, record: dict[str, Any], events: Iterable[PublishedEvent] = ()
    ) -> bool:
        """False when the record exists already or the pairing is unknown."""
        if not self.index.add_to_set(pairing_id, self.ids_field, record_id):
            return False
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
        """The pairing's records in the order they were added."""
        ids = (self.index.get(pairing_id) or {}).get(self.ids_field) or []
        return self.documents.get_many([key_of(pairing_id, record_id) for record_id in ids])

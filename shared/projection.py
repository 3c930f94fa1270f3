"""Order-tolerant, idempotent projections of another service's aggregates, kept from their events.

Each projected document remembers the time of the event that last wrote it; an older or repeated event
for the same key changes nothing. This makes consumers safe under redelivery and out-of-order replays.
That comparison needs a trustworthy time, so an event whose ``time`` is missing or unparsable is refused
(``InvalidEventTime``, an ``EnvelopeError``: the consumer dead-letters it) instead of being read as "now",
which would let a stale event win over newer ones.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from shared.events.envelope import EnvelopeError, Event
from shared.mongo import stored_precision

VERSION_FIELD = "_event_time"
EVENT_ID_FIELD = "_event_id"
TOMBSTONE_FIELD = "_erased"
STORAGE_FIELDS = ("_id", VERSION_FIELD, EVENT_ID_FIELD, TOMBSTONE_FIELD)


class InvalidEventTime(EnvelopeError):
    """The event's ``time`` is missing or not an RFC 3339 timestamp with an offset: never retried."""


def event_time(event: Event) -> datetime:
    """The event's ``time`` in UTC; ``InvalidEventTime`` when it is missing, unparsable or has no offset."""
    if not isinstance(event.time, str) or not event.time:
        raise InvalidEventTime(f"event {event.id} has no time (required: projections order by it)")
    try:
        parsed = datetime.fromisoformat(event.time.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEventTime(f"event {event.id} has an unparsable time {event.time!r}") from None
    if parsed.tzinfo is None:
        raise InvalidEventTime(f"event {event.id} has a time without offset {event.time!r}")
    return parsed.astimezone(UTC)


def upsert_as_of(
    collection: Collection, key: str, fields: dict[str, Any], when: datetime, event_id: str
) -> bool:
    """Apply ``fields`` to document ``key`` unless an event newer than ``when`` already wrote it (or it is a
    tombstone); True if applied."""
    stale_or_missing = {"_id": key, TOMBSTONE_FIELD: {"$ne": True}, VERSION_FIELD: {"$not": {"$gt": when}}}
    try:
        result = collection.update_one(
            stale_or_missing,
            {"$set": {**fields, VERSION_FIELD: when, EVENT_ID_FIELD: event_id}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False
    return result.matched_count > 0 or result.upserted_id is not None


def upsert_if_newer(collection: Collection, key: str, fields: dict[str, Any], event: Event) -> bool:
    """Apply ``fields`` to document ``key`` unless a newer event already wrote it; True if applied."""
    return upsert_as_of(collection, key, fields, event_time(event), event.id)


def tombstone(collection: Collection, key: str, kept: dict[str, Any], event: Event) -> None:
    """Replace a document by a tombstone holding only ``kept`` ids, so no replayed event revives it."""
    collection.replace_one(
        {"_id": key},
        {**kept, TOMBSTONE_FIELD: True, VERSION_FIELD: event_time(event), EVENT_ID_FIELD: event.id},
        upsert=True,
    )


class MemoryProjection:
    """The in-memory twin of one projected collection, with the same "newer event wins" rule, for
    use-case unit tests. Times are kept at stored precision (milliseconds), as the server keeps them."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def upsert_as_of(self, key: str, fields: dict[str, Any], when: datetime, event_id: str) -> bool:
        when = stored_precision(when)
        document = self.documents.get(key)
        if document is not None and (document.get(TOMBSTONE_FIELD) or document[VERSION_FIELD] > when):
            return False
        merged = {**(document or {}), **copy.deepcopy(fields), VERSION_FIELD: when, EVENT_ID_FIELD: event_id}
        self.documents[key] = merged
        return True

    def get(self, key: str) -> dict[str, Any] | None:
        document = self.documents.get(key)
        return None if document is None else _visible(document)

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every document (a copy without storage fields) with its key."""
        for key, document in self.documents.items():
            yield key, _visible(document)

    def update(self, key: str, fields: dict[str, Any]) -> None:
        """Change a document in place without touching its event time (erasure scrubbing)."""
        self.documents[key].update(copy.deepcopy(fields))


def _visible(document: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in document.items() if k not in STORAGE_FIELDS}

"""Order-tolerant, idempotent projections of another service's aggregates, kept from their events.

Each projected document remembers the time of the event that last wrote it; an older or repeated event
for the same key changes nothing. This makes consumers safe under redelivery and out-of-order replays.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from shared.events.envelope import Event

VERSION_FIELD = "_event_time"
TOMBSTONE_FIELD = "_erased"


def event_time(event: Event) -> datetime:
    try:
        return datetime.fromisoformat(event.time.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


def upsert_if_newer(collection: Collection, key: str, fields: dict[str, Any], event: Event) -> bool:
    """Apply ``fields`` to document ``key`` unless a newer event already wrote it; True if applied."""
    when = event_time(event)
    stale_or_missing = {"_id": key, TOMBSTONE_FIELD: {"$ne": True}, VERSION_FIELD: {"$not": {"$gt": when}}}
    try:
        result = collection.update_one(
            stale_or_missing,
            {"$set": {**fields, VERSION_FIELD: when, "_event_id": event.id}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False
    return result.matched_count > 0 or result.upserted_id is not None


def tombstone(collection: Collection, key: str, kept: dict[str, Any], event: Event) -> None:
    """Replace a document by a tombstone holding only ``kept`` ids, so no replayed event revives it."""
    collection.replace_one(
        {"_id": key},
        {**kept, TOMBSTONE_FIELD: True, VERSION_FIELD: event_time(event), "_event_id": event.id},
        upsert=True,
    )

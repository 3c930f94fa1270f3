"""Scheduled work kept in a service's database: reminders, deferred and digest sends, webhook retries.

An item lives in one document whose ``_id`` starts with its due time (fixed-width UTC ISO, so ids sort
as times), so the due poll is an ``_id`` range — served from the ``_id`` index by MongoDB and, with our
patch 0006, by the local FerretDB — and its cost grows with the items that are due, never with those that
are not (bench/results/notifications.json: the poll at 100,000 items not yet due). An item fires
once through an atomic claim (a conditional update that only one poller wins) with a lease: a poller that
dies holding it leaves it to be claimed again when the lease runs out, so nothing is lost and a restart
needs no in-memory timers. Side effects of an item must still be idempotent (at-least-once).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

SEPARATOR = "|"
DUPLICATE_KEY = 11000
LAST_ID = "\U0010ffff"


def slot_of(due_at: datetime, item_id: str) -> str:
    """The document id of an item due at ``due_at``: time first, so ids order as due times."""
    return f"{due_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}{SEPARATOR}{item_id}"


@dataclass(frozen=True)
class DueItem:
    """One claimed (or scheduled) piece of work; ``attempt`` counts earlier tries of the same item."""

    slot: str
    item_id: str
    kind: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    attempt: int = 0
    owner: str | None = None


class ScheduledWork(Protocol):
    """The port every service's scheduler uses; Mongo and memory implementations pass one contract test."""

    def schedule(
        self, item_id: str, kind: str, due_at: datetime, payload: dict[str, Any], attempt: int = 0
    ) -> bool:
        """Store an item; False if the same item is already scheduled for the same time (idempotent)."""

    def schedule_many(
        self, items: Sequence[DueItem], owner: str | None = None, lease_until: datetime | None = None
    ) -> list[DueItem]:
        """Store many items (``due_item``) in one write; returns those that were new. With ``owner``
        they are stored already claimed until ``lease_until``: the caller runs them at once itself, and
        should it die first they are claimed again when the lease runs out, like any claimed item."""

    def claim_due(self, now: datetime, owner: str, limit: int, lease: timedelta) -> list[DueItem]:
        """Claim up to ``limit`` items due at ``now`` that nobody holds (or whose lease ran out)."""

    def done(self, item: DueItem) -> bool:
        """The claimed item's work is durable: remove it (False if another poller took it over)."""

    def done_many(self, items: Sequence[DueItem]) -> int:
        """``done`` for many claimed items in one write; how many were removed."""

    def retry(self, item: DueItem, due_at: datetime, payload: dict[str, Any] | None = None) -> DueItem:
        """Schedule the claimed item's next attempt at ``due_at`` and remove this one."""

    def cancel(self, field_name: str, value: Any) -> int:
        """Remove every item whose payload has ``field_name == value`` (erasure); how many went."""

    def count(self) -> int: ...


def _document(
    item_id: str,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any],
    attempt: int,
    owner: str | None = None,
    lease_until: datetime | None = None,
) -> dict:
    return {
        "_id": slot_of(due_at, item_id),
        "item_id": item_id,
        "kind": kind,
        "due_at": due_at,
        "payload": payload,
        "attempt": attempt,
        "owner": owner,
        "lease_until": lease_until,
    }


def due_item(item_id: str, kind: str, due_at: datetime, payload: dict[str, Any], attempt: int = 0) -> DueItem:
    """An item to pass to ``schedule_many``."""
    return DueItem(slot_of(due_at, item_id), item_id, kind, due_at, payload, attempt)


def _claimed(items: Sequence[DueItem], owner: str | None, lease_until: datetime | None) -> list[dict]:
    return [
        _document(i.item_id, i.kind, i.due_at, i.payload, i.attempt, owner, lease_until if owner else None)
        for i in items
    ]


def _item(document: dict[str, Any]) -> DueItem:
    due_at = document["due_at"]
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=UTC)
    return DueItem(
        document["_id"],
        document["item_id"],
        document["kind"],
        due_at,
        document.get("payload") or {},
        document.get("attempt", 0),
        document.get("owner"),
    )


def _free_at(document: dict[str, Any], now: datetime) -> bool:
    lease = document.get("lease_until")
    if lease is not None and lease.tzinfo is None:
        lease = lease.replace(tzinfo=UTC)
    return document.get("owner") is None or (lease is not None and lease <= now)


class MongoScheduledWork:
    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    def schedule(
        self, item_id: str, kind: str, due_at: datetime, payload: dict[str, Any], attempt: int = 0
    ) -> bool:
        try:
            self.collection.insert_one(_document(item_id, kind, due_at, payload, attempt))
        except DuplicateKeyError:
            return False
        return True

    def schedule_many(
        self, items: Sequence[DueItem], owner: str | None = None, lease_until: datetime | None = None
    ) -> list[DueItem]:
        documents = list({d["_id"]: d for d in _claimed(items, owner, lease_until)}.values())
        if not documents:
            return []
        refused: set[int] = set()
        try:
            self.collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            for write_error in error.details.get("writeErrors", []):
                if write_error.get("code") != DUPLICATE_KEY:
                    raise
                refused.add(write_error["index"])
        return [_item(d) for n, d in enumerate(documents) if n not in refused]

    def claim_due(self, now: datetime, owner: str, limit: int, lease: timedelta) -> list[DueItem]:
        due = {"_id": {"$lte": slot_of(now, LAST_ID)}}
        free = {"$or": [{"owner": None}, {"lease_until": {"$lte": now}}]}
        claimed: list[DueItem] = []
        # No sort: an unsorted range read stops at the limit instead of ordering every due item first.
        for document in self.collection.find({**due, **free}, limit=limit * 2):
            taken = self.collection.update_one(
                {
                    "_id": document["_id"],
                    "owner": document.get("owner"),
                    "lease_until": document.get("lease_until"),
                },
                {"$set": {"owner": owner, "lease_until": now + lease}},
            )
            if taken.modified_count == 1:
                claimed.append(_item({**document, "owner": owner}))
                if len(claimed) == limit:
                    break
        return claimed

    def done(self, item: DueItem) -> bool:
        return self.collection.delete_one({"_id": item.slot, "owner": item.owner}).deleted_count == 1

    def done_many(self, items: Sequence[DueItem]) -> int:
        by_owner: dict[str | None, list[str]] = {}
        for item in items:
            by_owner.setdefault(item.owner, []).append(item.slot)
        removed = 0
        for owner, slots in by_owner.items():
            for start in range(0, len(slots), 500):  # FerretDB serves an _id $in of <= 1,000 from its index
                chunk = {"_id": {"$in": slots[start : start + 500]}, "owner": owner}
                removed += self.collection.delete_many(chunk).deleted_count
        return removed

    def retry(self, item: DueItem, due_at: datetime, payload: dict[str, Any] | None = None) -> DueItem:
        document = _document(item.item_id, item.kind, due_at, payload or item.payload, item.attempt + 1)
        with contextlib.suppress(DuplicateKeyError):  # a poller that died after this insert already did it
            self.collection.insert_one(document)
        self.done(item)
        return _item(document)

    def cancel(self, field_name: str, value: Any) -> int:
        return self.collection.delete_many({f"payload.{field_name}": value}).deleted_count

    def count(self) -> int:
        return self.collection.count_documents({})


class MemoryScheduledWork:
    """The in-memory twin for use-case unit tests."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def schedule(
        self, item_id: str, kind: str, due_at: datetime, payload: dict[str, Any], attempt: int = 0
    ) -> bool:
        document = _document(item_id, kind, due_at, copy.deepcopy(payload), attempt)
        if document["_id"] in self.documents:
            return False
        self.documents[document["_id"]] = document
        return True

    def schedule_many(
        self, items: Sequence[DueItem], owner: str | None = None, lease_until: datetime | None = None
    ) -> list[DueItem]:
        stored = []
        for document in _claimed(items, owner, lease_until):
            if document["_id"] not in self.documents:
                self.documents[document["_id"]] = copy.deepcopy(document)
                stored.append(_item(copy.deepcopy(document)))
        return stored

    def claim_due(self, now: datetime, owner: str, limit: int, lease: timedelta) -> list[DueItem]:
        bound = slot_of(now, LAST_ID)
        claimed = []
        for slot in sorted(self.documents):
            document = self.documents[slot]
            if slot > bound or not _free_at(document, now):
                continue
            document.update(owner=owner, lease_until=now + lease)
            claimed.append(_item(copy.deepcopy(document)))
            if len(claimed) == limit:
                break
        return claimed

    def done(self, item: DueItem) -> bool:
        document = self.documents.get(item.slot)
        if document is None or document["owner"] != item.owner:
            return False
        del self.documents[item.slot]
        return True

    def done_many(self, items: Sequence[DueItem]) -> int:
        return sum(self.done(item) for item in items)

    def retry(self, item: DueItem, due_at: datetime, payload: dict[str, Any] | None = None) -> DueItem:
        document = _document(
            item.item_id, item.kind, due_at, copy.deepcopy(payload or item.payload), item.attempt + 1
        )
        self.documents.setdefault(document["_id"], document)
        self.done(item)
        return _item(document)

    def cancel(self, field_name: str, value: Any) -> int:
        gone = [slot for slot, doc in self.documents.items() if doc["payload"].get(field_name) == value]
        for slot in gone:
            del self.documents[slot]
        return len(gone)

    def count(self) -> int:
        return len(self.documents)

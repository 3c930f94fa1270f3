"""The delivery log (one document per message id, so never twice), behind a port with a Mongo
implementation and an in-memory twin that pass one contract test."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Protocol

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from services.notifications.domain.pairing_notices import Notification
from shared.events.envelope import Event
from shared.messages import PublishedEvent
from shared.mongo import IndexSpec
from shared.versioned import MemoryVersionedStore, MongoVersionedStore

SOURCE = "/services/notifications"
DELIVERIES = "deliveries"
INDEXES = [IndexSpec(DELIVERIES, (("recipient_id", ASCENDING), ("created_at", DESCENDING)))]
HIDDEN = {"_id": 0, "_version": 0, "outbox": 0, "outbox_pending": 0}


class DeliveryLog(Protocol):
    """The port: what notifications' use cases and queries may do with deliveries."""

    def add(self, notification: Notification, at: datetime, events: list[PublishedEvent]) -> bool:
        """Store a delivered notification with its outcome events; False if it was delivered before."""

    def forget_recipient(self, participant_id: str) -> int:
        """Erasure: delete a person's deliveries (with their unrelayed outcome events); how many went."""

    def for_recipient(self, participant_id: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of a person's deliveries, newest first, and how many there are."""

    def pending(self) -> list[Event]:
        """Outcome events not yet relayed (tests and diagnostics)."""


def _record(notification: Notification, at: datetime) -> dict[str, Any]:
    return {**asdict(notification), "status": "delivered", "created_at": at}


class MongoDeliveryLog:
    def __init__(self, db: Database) -> None:
        self.collection = db[DELIVERIES]
        self.store = MongoVersionedStore(self.collection, SOURCE)

    def add(self, notification: Notification, at: datetime, events: list[PublishedEvent]) -> bool:
        return self.store.insert(notification.notification_id, _record(notification, at), events)

    def forget_recipient(self, participant_id: str) -> int:
        return self.collection.delete_many({"recipient_id": participant_id}).deleted_count

    def for_recipient(self, participant_id: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        query = {"recipient_id": participant_id}
        cursor = self.collection.find(query, HIDDEN).sort("created_at", DESCENDING).skip(skip).limit(limit)
        return list(cursor), self.collection.count_documents(query)

    def pending(self) -> list[Event]:
        return self.store.pending()


class MemoryDeliveryLog:
    def __init__(self) -> None:
        self.store = MemoryVersionedStore(SOURCE)

    def add(self, notification: Notification, at: datetime, events: list[PublishedEvent]) -> bool:
        return self.store.insert(notification.notification_id, _record(notification, at), events)

    def forget_recipient(self, participant_id: str) -> int:
        keys = [key for key, doc in self.store.documents.items() if doc["recipient_id"] == participant_id]
        for key in keys:
            del self.store.documents[key]
            self.store.outbox.pop(key, None)
        return len(keys)

    def for_recipient(self, participant_id: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        mine = [record for record in self.store.records() if record["recipient_id"] == participant_id]
        mine.sort(key=lambda record: record["created_at"], reverse=True)
        return mine[skip : skip + limit], len(mine)

    def pending(self) -> list[Event]:
        return self.store.pending()

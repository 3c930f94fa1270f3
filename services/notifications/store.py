"""Notifications' database: the delivery log (one document per notification id, so never twice)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.notifications.domain import Notification
from shared.events.envelope import Event
from shared.events.outbox import new_document_with_outbox
from shared.mongo import IndexSpec

DELIVERIES = "deliveries"
INDEXES = [IndexSpec(DELIVERIES, (("recipient_id", ASCENDING), ("created_at", DESCENDING)))]
HIDDEN = {"_id": 0, "outbox": 0, "outbox_pending": 0}


class DeliveryLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, notification: Notification, outcome: Event) -> bool:
        """Store a delivered notification with its outcome event; False if it was delivered before."""
        document = {
            "_id": notification.notification_id,
            **notification.__dict__,
            "status": "delivered",
            "created_at": datetime.now(UTC),
        }
        try:
            self.db[DELIVERIES].insert_one(new_document_with_outbox(document, [outcome]))
        except DuplicateKeyError:
            return False
        return True

    def forget_recipient(self, participant_id: str) -> int:
        return self.db[DELIVERIES].delete_many({"recipient_id": participant_id}).deleted_count

    def for_recipient(self, participant_id: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        query = {"recipient_id": participant_id}
        cursor = (
            self.db[DELIVERIES].find(query, HIDDEN).sort("created_at", DESCENDING).skip(skip).limit(limit)
        )
        return list(cursor), self.db[DELIVERIES].count_documents(query)

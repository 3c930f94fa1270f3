"""Notifications' unit of work on a Mongo-wire database, and its in-memory twin for use-case unit tests.

Each store adds its attribute here (one line in each class): ``deliveries`` (the delivery log) and
``schedule`` (scheduled work: deferred sends, retries, digests, webhook attempts).
"""

from __future__ import annotations

from pymongo.database import Database

from services.notifications.store import deliveries
from services.notifications.store.deliveries import DeliveryLog, MemoryDeliveryLog, MongoDeliveryLog
from shared.events.envelope import Event
from shared.mongo import now as stored_now
from shared.schedule import MemoryScheduledWork, MongoScheduledWork, ScheduledWork
from shared.uow import Clock, UnitOfWork

SCHEDULE = "scheduled_work"
INDEXES = [*deliveries.INDEXES]
# Collections whose documents carry an outbox the worker relays.
OUTBOX_COLLECTIONS = [deliveries.DELIVERIES]


class NotificationsUnitOfWork(UnitOfWork):
    """What notifications' handlers see: its stores and the clock."""

    deliveries: DeliveryLog
    schedule: ScheduledWork

    def pending(self) -> list[Event]:
        """Outcome events written and not yet relayed (tests and diagnostics)."""
        return self.deliveries.pending()


class MongoNotificationsUnitOfWork(NotificationsUnitOfWork):
    def __init__(self, db: Database, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.db = db
        self.deliveries = MongoDeliveryLog(db)
        self.schedule = MongoScheduledWork(db[SCHEDULE])


class MemoryNotificationsUnitOfWork(NotificationsUnitOfWork):
    """The in-memory twin for use-case tests: no server."""

    def __init__(self, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.deliveries = MemoryDeliveryLog()
        self.schedule = MemoryScheduledWork()

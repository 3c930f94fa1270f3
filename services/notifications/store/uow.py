"""Notifications' unit of work on a Mongo-wire database, and its in-memory twin for use-case unit tests.

Each store adds its attribute here (one line in each class): ``deliveries`` (the delivery log) and
``schedule`` (scheduled work: deferred sends, retries, digests, webhook attempts).
"""

from __future__ import annotations

from pymongo.database import Database

from services.notifications.channels.webhook import WebhookChannel, configured
from services.notifications.domain.webhooks import WebhookPolicy
from services.notifications.store import deliveries, webhooks
from services.notifications.store.chat import ChatWebhooks, MemoryChatWebhooks, MongoChatWebhooks
from services.notifications.store.deliveries import DeliveryLog, MemoryDeliveryLog, MongoDeliveryLog
from services.notifications.store.inbox import (
    DigestHeld,
    Inbox,
    MemoryDigestHeld,
    MemoryInbox,
    MongoDigestHeld,
    MongoInbox,
)
from services.notifications.store.people import (
    Directory,
    MemoryDirectory,
    MemoryPreferences,
    MemoryTombstones,
    MongoDirectory,
    MongoPreferences,
    MongoTombstones,
    PreferenceStore,
    Tombstones,
)
from services.notifications.store.webhooks import MemoryWebhookStore, MongoWebhookStore, WebhookStore
from shared.events.envelope import Event
from shared.mongo import now as stored_now
from shared.schedule import MemoryScheduledWork, MongoScheduledWork, ScheduledWork
from shared.uow import Clock, UnitOfWork

SCHEDULE = "scheduled_work"
INDEXES = [*deliveries.INDEXES, *webhooks.INDEXES]
# Collections whose documents carry an outbox the worker relays.
OUTBOX_COLLECTIONS = [deliveries.DELIVERIES, *webhooks.OUTBOX_COLLECTIONS]


class NotificationsUnitOfWork(UnitOfWork):
    """What notifications' handlers see: its stores and the clock."""

    deliveries: DeliveryLog
    schedule: ScheduledWork
    chat_webhooks: ChatWebhooks  # each program's chat incoming-webhook URL
    people: Directory  # programs, participants, contacts (N3)
    preferences: PreferenceStore
    tombstones: Tombstones
    inbox: Inbox
    digests: DigestHeld
    webhooks: WebhookStore  # subscriber endpoints, messages, attempts
    webhook_channel: WebhookChannel  # the webhook policy and HTTP sender

    def pending(self) -> list[Event]:
        """Outcome events written and not yet relayed (tests and diagnostics)."""
        return [*self.deliveries.pending(), *self.webhooks.pending()]


class MongoNotificationsUnitOfWork(NotificationsUnitOfWork):
    def __init__(self, db: Database, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.db = db
        self.deliveries = MongoDeliveryLog(db)
        self.schedule = MongoScheduledWork(db[SCHEDULE])
        self.chat_webhooks = MongoChatWebhooks(db)
        self.people, self.preferences, self.tombstones = (
            MongoDirectory(db),
            MongoPreferences(db),
            MongoTombstones(db),
        )
        self.inbox, self.digests = MongoInbox(db), MongoDigestHeld(db)
        self.webhooks, self.webhook_channel = MongoWebhookStore(db), configured()


class MemoryNotificationsUnitOfWork(NotificationsUnitOfWork):
    """The in-memory twin for use-case tests: no server."""

    def __init__(self, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.deliveries = MemoryDeliveryLog()
        self.schedule = MemoryScheduledWork()
        self.chat_webhooks = MemoryChatWebhooks()
        self.people, self.preferences, self.tombstones = (
            MemoryDirectory(),
            MemoryPreferences(),
            MemoryTombstones(),
        )
        self.inbox, self.digests = MemoryInbox(), MemoryDigestHeld()
        self.webhooks, self.webhook_channel = (
            MemoryWebhookStore(),
            WebhookChannel.from_policy(WebhookPolicy()),
        )

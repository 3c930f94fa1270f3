"""Notifications' worker: turns consumed events into deliveries, sends them when due (the scheduler
loop), and relays delivery outcomes."""

from __future__ import annotations

from datetime import timedelta

from services.notifications import events
from services.notifications.channels.base import Channel
from services.notifications.channels.chat import ChatChannel
from services.notifications.channels.email import EmailChannel
from services.notifications.config import DeliveryConfig
from services.notifications.service.bus import build_bus
from services.notifications.service.deliver import Dispatch
from services.notifications.service.scheduler import Scheduler, WakingSchedule
from services.notifications.store.uow import INDEXES, OUTBOX_COLLECTIONS, MongoNotificationsUnitOfWork
from shared.config import Settings
from shared.mongo import database_for
from shared.runtime import WorkerParts
from shared.worker import build_service_worker


def channels_for(config: DeliveryConfig) -> dict[str, Channel]:
    """One set per sending thread (an SMTP connection is not shared between threads)."""
    return {
        "email": EmailChannel(config.smtp, config.preferences_url, config.unsubscribe_links),
        "chat": ChatChannel(config.chat_timeout_s),
    }


def build_scheduler(settings: Settings, config: DeliveryConfig) -> Scheduler:
    db = database_for(settings)
    return Scheduler(
        lambda: Dispatch(MongoNotificationsUnitOfWork(db), channels_for(config), config.retry),
        batch=config.scheduler_batch,
        threads=config.scheduler_threads,
        lease=timedelta(seconds=config.scheduler_lease_s),
        idle_s=config.scheduler_idle_s,
    )


def build_worker(settings: Settings, config: DeliveryConfig | None = None) -> WorkerParts:
    config = config or DeliveryConfig.from_env()
    scheduler = build_scheduler(settings, config)

    def handlers(db, _publisher):
        uow = MongoNotificationsUnitOfWork(db)
        # due now: sent now (handed to the scheduler already claimed, no poll)
        uow.schedule = WakingSchedule(uow.schedule, scheduler.wake, uow.clock, scheduler)
        return events.handlers(build_bus(uow), config.public_base_url)

    parts = build_service_worker(
        settings,
        group=events.GROUP,
        topics=events.CONSUMED_TOPICS,
        handlers=handlers,
        indexes=INDEXES,
        outbox_collections=OUTBOX_COLLECTIONS,
    )
    parts.loops["scheduler"] = scheduler.run
    parts.closers.append(scheduler.close)
    return parts

"""Delivering planned messages: plan (log + schedule), send when due, retry, resend.

``plan_delivery`` is what a use case that decided to tell someone calls: it writes the delivery (in-app
messages are the inbox, so they are planned as already sent) and schedules a "delivery" item at the
message's ``deliver_at``. The scheduler (``service.scheduler``) claims the item when it is due and runs
``fire_delivery``: intent ("sending") written, channel called, outcome written with its event, or the
next attempt scheduled with backoff. The channels reach this module through ``Dispatch``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.notifications.channels.base import Channel
from services.notifications.domain.delivery import (
    SENT,
    UNKNOWN_OUTCOME,
    Delivery,
    DeliveryError,
    RetryPolicy,
    resend_id,
)
from services.notifications.domain.message import Message
from services.notifications.metrics import DELIVERED, DELIVERY_LATENCY, FAILED, NOTIFICATIONS_DELIVERED
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.contracts.types import NotificationDelivered, NotificationFailed
from shared.errors import Conflict, NotFound
from shared.messages import Command, DomainEvent
from shared.schedule import DueItem

log = logging.getLogger(__name__)
KIND = "delivery"


@dataclass(frozen=True)
class Dispatch:
    """What item handlers run with: the unit of work, the channels by name, the retry policy."""

    uow: NotificationsUnitOfWork
    channels: Mapping[str, Channel]
    policy: RetryPolicy = field(default_factory=RetryPolicy)


def _schedule(uow: NotificationsUnitOfWork, message: Message) -> None:
    payload = {
        "message_id": message.message_id,
        "participant_id": message.participant_id,
        "recipient": message.recipient,
    }
    uow.schedule.schedule(message.message_id, KIND, message.deliver_at, payload)


def plan_delivery(uow: NotificationsUnitOfWork, message: Message, caused_at: datetime | None = None) -> bool:
    """Log a message's delivery and schedule its send; False if it was planned before (a redelivered
    cause). The item is scheduled again even then: a crash between the two writes is finished by the
    redelivered cause (same slot: nothing doubles; an item for a finished delivery just ends)."""
    now = uow.clock()
    delivery = Delivery(message, planned_at=now, updated_at=now, caused_at=caused_at)
    if message.channel == "in_app":
        delivered = replace(delivery, status=SENT, sent_at=now)
        created = uow.deliveries.plan(
            delivered, [NotificationDelivered(message.recipient, delivered.outcome())]
        )
        if created:
            NOTIFICATIONS_DELIVERED.labels("in_app", DELIVERED).inc()
        return created
    created = uow.deliveries.plan(delivery)
    _schedule(uow, message)
    return created


def _finish(dispatch: Dispatch, delivery: Delivery, version: int) -> None:
    """Write a final outcome with its event, and count it."""
    kind = NotificationDelivered if delivery.status == SENT else NotificationFailed
    dispatch.uow.deliveries.save(delivery, version, [kind(delivery.message.recipient, delivery.outcome())])
    channel = delivery.message.channel
    NOTIFICATIONS_DELIVERED.labels(channel, DELIVERED if delivery.status == SENT else FAILED).inc()
    if delivery.status == SENT and delivery.caused_at and delivery.sent_at:
        DELIVERY_LATENCY.labels(channel).observe(
            max(0.0, (delivery.sent_at - delivery.caused_at).total_seconds())
        )
    if delivery.status != SENT:
        log.warning(
            "delivery %s failed after %d attempts: %s", delivery.message_id, delivery.attempts, delivery.error
        )


def fire_delivery(item: DueItem, dispatch: Dispatch) -> datetime | None:
    """Send one due delivery; returns when to try again, or None when the item is finished."""
    uow = dispatch.uow
    loaded = uow.deliveries.get(item.payload["message_id"])
    if loaded is None or loaded.delivery.final:
        return None  # erased, or finished by an earlier claim of the same delivery
    delivery, version = loaded
    channel = dispatch.channels.get(delivery.message.channel)
    now = uow.clock()
    if channel is None:
        _finish(
            dispatch, delivery.failed(f"channel {delivery.message.channel} is not configured", now), version
        )
        return None
    if delivery.status == "sending" and not channel.idempotent:
        _finish(dispatch, delivery.failed(UNKNOWN_OUTCOME, now), version)
        return None
    delivery = delivery.sending(now)
    uow.deliveries.save(delivery, version)  # the intent, before the channel is called
    version += 1
    try:
        channel.send(delivery)
    except DeliveryError as error:
        return _after_failure(dispatch, delivery, version, error.reason, permanent=error.permanent)
    _finish(dispatch, delivery.sent(uow.clock()), version)
    return None


def _after_failure(dispatch: Dispatch, delivery: Delivery, version: int, reason: str, *, permanent: bool):
    now = dispatch.uow.clock()
    retry_at = None if permanent else dispatch.policy.next_attempt_at(delivery.attempts, now)
    if retry_at is None:
        _finish(dispatch, delivery.failed(reason, now), version)
        return None
    dispatch.uow.deliveries.save(delivery.retrying(reason, now), version)
    log.info(
        "delivery %s attempt %d failed (%s); next at %s",
        delivery.message_id,
        delivery.attempts,
        reason,
        retry_at,
    )
    return retry_at


@dataclass(frozen=True)
class DeliveryResent(DomainEvent):
    """A copy of ``original_id`` was planned as ``message_id`` (what the resend route answers)."""

    original_id: str
    message_id: str


@dataclass(frozen=True)
class ResendDelivery(Command):
    """Send a delivered or failed message again as a new message (an admin's decision)."""

    message_id: str


def resend_delivery(command: ResendDelivery, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """The copy's id is ``<original>:resend:<n>`` (n = the original's resend count + 1): a new
    ``Message-ID`` for the mail, and a repeated request after a crash finds the copy already planned."""
    loaded = uow.deliveries.get(command.message_id)
    if loaded is None:
        raise NotFound(f"no delivery {command.message_id}")
    original, version = loaded
    if not original.final:
        raise Conflict(f"delivery {command.message_id} is still {original.status}; resend it once it ends")
    if original.message.channel == "in_app":
        raise Conflict("an in-app message is in the inbox already; it cannot be resent")
    if original.message.address is None:
        raise Conflict("the recipient's address was erased; this message cannot be resent")
    copy_id = resend_id(original.message_id, original.resends + 1)
    now = uow.clock()
    message = replace(original.message, message_id=copy_id, deliver_at=now)
    copy = Delivery(message, planned_at=now, updated_at=now, caused_at=now, resend_of=original.message_id)
    uow.deliveries.plan(copy)  # first: a request repeated after a crash here plans nothing new
    _schedule(uow, message)
    uow.deliveries.save(original.resent(), version)
    return [DeliveryResent(original.message_id, copy_id)]


COMMANDS = {ResendDelivery: resend_delivery}

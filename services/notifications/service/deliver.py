"""Delivering planned messages: plan (log + schedule), send when due, retry, resend.

``plan_delivery`` is what a use case that decided to tell someone calls: it writes the delivery (in-app
messages are the inbox, so they are planned as already sent) and schedules a "delivery" item at the
message's ``deliver_at``. The scheduler (``service.scheduler``) claims the item when it is due and runs
``fire_delivery``: intent ("sending") written, channel called, outcome written with its event, or the
next attempt scheduled with backoff. The channels reach this module through ``Dispatch``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.notifications.channels.base import Channel
from services.notifications.domain.delivery import (
    SENDING,
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
from shared.errors import Conflict, NotFound, StaleWrite
from shared.messages import Command, DomainEvent
from shared.schedule import DueItem

log = logging.getLogger(__name__)
KIND = "delivery"
# In a delivery item's payload: the delivery was planned with this attempt's intent ("sending") written.
INTENT_WRITTEN = "intent_written"


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
            delivered, [NotificationDelivered(message.published_recipient, delivered.outcome())]
        )
        if created:
            NOTIFICATIONS_DELIVERED.labels("in_app", DELIVERED).inc()
        return created
    created = uow.deliveries.plan(delivery)
    _schedule(uow, message)
    return created


def _finish(dispatch: Dispatch, delivery: Delivery, version: int) -> None:
    """Write a final outcome with its event, and count it."""
    dispatch.uow.deliveries.save(delivery, version, [_outcome_event(delivery)])
    _count(delivery)


def _count(delivery: Delivery) -> None:
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


# Runs ``send(item, dispatch)`` for each item on the sending threads, each with its own dispatch (channels).
Parallel = Callable[[Callable[[Any, "Dispatch"], Any], Sequence[Any]], list[Any]]


def fire_deliveries(
    items: Sequence[DueItem], dispatch: Dispatch, parallel: Parallel, handed: frozenset[str] = frozenset()
) -> dict[str, datetime | None]:
    """``fire_delivery`` for a batch: one read of the deliveries, one write of the intents, the channel
    sends on the sending threads, one write of the outcomes (with their events). Returns, per item slot,
    None (finished) or when to try again; an item left out (its delivery changed meanwhile) is the
    caller's to fire on its own. ``handed``: slots handed over by the planner in this process right
    after planning; those planned with their intent written (``INTENT_WRITTEN``) are sent without
    writing it again (an item claimed again after a crash writes a new intent as usual)."""
    uow = dispatch.uow
    loaded = uow.deliveries.get_many(item.payload["message_id"] for item in items)
    now = uow.clock()
    results: dict[str, datetime | None] = {}
    finals: list[tuple[DueItem, Delivery, int]] = []
    intents: list[tuple[DueItem, Delivery, int]] = []
    written: list[tuple[DueItem, Delivery, int]] = []
    for item in items:
        found = loaded.get(item.payload["message_id"])
        if found is None or found.delivery.final:
            results[item.slot] = None  # erased, or finished by an earlier claim of the same delivery
            continue
        delivery, version = found
        channel = dispatch.channels.get(delivery.message.channel)
        if channel is None:
            reason = f"channel {delivery.message.channel} is not configured"
            finals.append((item, delivery.failed(reason, now), version))
        elif _intent_written(item, delivery, handed):
            written.append((item, delivery, version))
        elif delivery.status == "sending" and not channel.idempotent:
            finals.append((item, delivery.failed(UNKNOWN_OUTCOME, now), version))
        else:
            intents.append((item, delivery.sending(now), version))
    stale = uow.deliveries.save_many([(d, v, ()) for _, d, v in intents])  # the intents, before any send
    intents = [(item, d, v + 1) for item, d, v in intents if d.message_id not in stale] + written
    for item, delivery, version, error in parallel(_send, intents):
        if error is None:
            finals.append((item, delivery.sent(uow.clock()), version))
            continue
        try:
            results[item.slot] = _after_failure(
                dispatch, delivery, version, error.reason, permanent=error.permanent
            )
        except StaleWrite:
            continue  # changed meanwhile: left to the caller
    saves = [(d, v, [_outcome_event(d)]) for _, d, v in finals]
    stale = uow.deliveries.save_many(saves) if saves else set()
    for item, delivery, _ in finals:
        if delivery.message_id not in stale:
            results[item.slot] = None
            _count(delivery)
    return results


def _intent_written(item: DueItem, delivery: Delivery, handed: frozenset[str]) -> bool:
    return (
        item.slot in handed
        and item.attempt == 0
        and bool(item.payload.get(INTENT_WRITTEN))
        and delivery.status == SENDING
        and delivery.attempts == 1
    )


def _send(intent: tuple[DueItem, Delivery, int], dispatch: Dispatch) -> tuple:
    """On a sending thread: the channel call; the error instead of raising it."""
    item, delivery, version = intent
    try:
        dispatch.channels[delivery.message.channel].send(delivery)
    except DeliveryError as error:
        return item, delivery, version, error
    return item, delivery, version, None


def _outcome_event(delivery: Delivery):
    kind = NotificationDelivered if delivery.status == SENT else NotificationFailed
    return kind(delivery.message.published_recipient, delivery.outcome())


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

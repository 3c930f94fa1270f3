"""Delivering events to webhook endpoints: fan-out plans one message per (event, endpoint), the scheduler
fires its attempts on the retry schedule, a failing endpoint is disabled and its admins told, and a
replay sends a message again under the same ``webhook-id``.

Each attempt writes its intent (an attempt record "sending") before the POST and its outcome after; a
worker killed mid-send leaves the item claimed, and when its lease runs out the same attempt is made
again under the same ``webhook-id`` — a receiver that deduplicates by id sees one delivery.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.notifications.domain.webhooks import Endpoint, plan, signed_headers, verdict
from services.notifications.metrics import DELIVERED, DELIVERY_LATENCY, FAILED, NOTIFICATIONS_DELIVERED
from services.notifications.service.webhooks.notices import update_endpoint_record
from services.notifications.store.uow import NotificationsUnitOfWork
from services.notifications.store.webhooks import attempt_key
from shared.contracts.types import NotificationDelivered, NotificationFailed
from shared.events.envelope import Event
from shared.messages import Command, DomainEvent
from shared.schedule import DueItem

log = logging.getLogger(__name__)
KIND = "webhook"
CHANNEL = "webhook"
PENDING, DELIVERED_STATUS, FAILED_STATUS, ABORTED, CANCELLED = (
    "pending",
    "delivered",
    "failed",
    "aborted",
    "cancelled",
)


@dataclass(frozen=True)
class FanOutWebhooks(Command):
    """Send a consumed event to every enabled endpoint subscribed to its type (and program)."""

    event: Event


@dataclass(frozen=True)
class WebhooksPlanned(DomainEvent):
    msg_ids: tuple[str, ...]


def _schedule(uow: NotificationsUnitOfWork, msg_id: str, series: int, due_at: datetime) -> None:
    """One item per series of attempts: a replay's item never collides with the one it supersedes."""
    item_id = msg_id if series == 0 else f"{msg_id}:replay:{series}"
    uow.schedule.schedule(item_id, KIND, due_at, {"msg_id": msg_id, "series": series})


def fan_out(command: FanOutWebhooks, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """Idempotent per (event, endpoint): the message id is derived from both, so a redelivered event
    plans nothing new; it schedules the first attempt again only while none has started (a crash
    between the two writes), in the same slot, so nothing doubles."""
    event = command.event
    body = event.to_bytes().decode()
    program_id = event.data.get("program_id")
    policy = uow.webhook_channel.policy
    planned: list[str] = []
    for record in uow.webhooks.subscribers(event.type):
        endpoint = Endpoint.from_record(record)
        if not endpoint.wants(event.type, program_id):
            continue
        message = plan(event.to_dict(), body, endpoint.endpoint_id)
        if any(uow.tombstones.erased(person) for person in message.participant_ids):
            continue  # an event about an erased person arriving late: nothing of them is kept or sent
        now = uow.clock()
        due_at = now + policy.schedule.first()
        fresh = {
            "msg_id": message.msg_id,
            "endpoint_id": endpoint.endpoint_id,
            "event_id": message.event_id,
            "event_type": message.event_type,
            "program_id": message.program_id,
            "participant_ids": list(message.participant_ids),
            "body": body,
            "event_time": event.time,
            "created_at": now,
            "first_due_at": due_at,
            "status": PENDING,
            "series": 0,
            "attempts": 0,
            "next_attempt_at": due_at,
            "last_status_code": None,
            "last_error": None,
        }
        if not uow.webhooks.add_message(message.msg_id, fresh):
            stored = uow.webhooks.message(message.msg_id)
            if stored is None or stored.record["status"] != PENDING or stored.record["attempts"]:
                continue
            due_at = stored.record["first_due_at"]
        _schedule(uow, message.msg_id, 0, due_at)
        planned.append(message.msg_id)
    return [WebhooksPlanned(tuple(planned))]


def fire_webhook(item: DueItem, dispatch: Any) -> datetime | None:
    """The scheduler's "webhook" handler: one attempt of a message; returns when to try again, or None
    when the message is finished (delivered, aborted, failed, or superseded by a replay)."""
    uow: NotificationsUnitOfWork = dispatch.uow
    loaded = uow.webhooks.message(item.payload["msg_id"])
    if loaded is None:
        return None
    message, version = loaded.record, loaded.version
    series = item.payload.get("series", 0)
    if message["status"] != PENDING or message.get("series", 0) != series:
        return None
    endpoint_loaded = uow.webhooks.endpoint(message["endpoint_id"])
    now = uow.clock()
    if endpoint_loaded is None or endpoint_loaded.record.get("disabled"):
        reason = "the endpoint was deleted" if endpoint_loaded is None else "the endpoint is disabled"
        _finish(uow, message, version, FAILED_STATUS, reason)
        return None
    endpoint = Endpoint.from_record(endpoint_loaded.record)
    key = attempt_key(message["msg_id"], series, item.attempt)
    attempt = {
        "msg_id": message["msg_id"],
        "endpoint_id": endpoint.endpoint_id,
        "series": series,
        "attempt": item.attempt,
        "url": endpoint.url,
        "started_at": now,
        "outcome": "sending",
    }
    uow.webhooks.record_attempt(key, attempt)  # the intent, before the receiver is called
    message = {**message, "attempts": message["attempts"] + 1, "last_attempt_at": now}
    uow.webhooks.save_message(message["msg_id"], message, version)
    version += 1
    body = message["body"]
    headers = signed_headers(message["msg_id"], body, endpoint.signing_keys(now), now)
    result = uow.webhook_channel.sender.send(endpoint.url, headers, body.encode())
    outcome = verdict(result.status, result.headers) if result.status is not None else "retry"
    finished_at = uow.clock()
    uow.webhooks.record_attempt(
        key,
        {
            **attempt,
            "finished_at": finished_at,
            "status_code": result.status,
            "latency_ms": result.latency_ms,
            "error": result.error,
            "outcome": outcome,
        },
    )
    message = {**message, "last_status_code": result.status, "last_error": result.error}
    if outcome == "delivered":
        _finish(uow, message, version, DELIVERED_STATUS, None)
        if endpoint.failing_since is not None:
            update_endpoint_record(uow, endpoint.endpoint_id, lambda e, _now: e.attempt_succeeded())
        _observe_latency(message, finished_at)
        return None
    if outcome == "abort":
        _finish(uow, message, version, ABORTED, "the receiver asked to abort the message")
        return None
    if outcome == "gone":
        update_endpoint_record(
            uow, endpoint.endpoint_id, lambda e, at: e.disable(at, "the receiver answered 410 Gone")
        )
        _finish(uow, message, version, FAILED_STATUS, "the receiver answered 410 Gone; endpoint disabled")
        return None
    disable_after = uow.webhook_channel.policy.disable_after
    after = update_endpoint_record(
        uow, endpoint.endpoint_id, lambda e, at: e.attempt_failed(at, disable_after)
    )
    error = result.error or f"the receiver answered {result.status}"
    if after is not None and after.disabled:
        _finish(uow, message, version, FAILED_STATUS, f"{error}; endpoint disabled ({after.disabled_reason})")
        return None
    wait = uow.webhook_channel.policy.schedule.after_failure(item.attempt)
    if wait is None:
        _finish(uow, message, version, FAILED_STATUS, f"{error}; no attempts left")
        return None
    retry_at = finished_at + wait
    uow.webhooks.save_message(message["msg_id"], {**message, "next_attempt_at": retry_at}, version)
    return retry_at


def _finish(
    uow: NotificationsUnitOfWork, message: dict[str, Any], version: int, status: str, error: str | None
) -> None:
    """The message's final state with its outcome event (in the same write)."""
    kind = NotificationDelivered if status == DELIVERED_STATUS else NotificationFailed
    outcome = kind(
        message["msg_id"],
        {
            "notification_id": message["msg_id"],
            "recipient_id": message["endpoint_id"],
            "channel": CHANNEL,
            "template": message["event_type"],
            "cause_event_id": message["event_id"],
            "error": error,
            "attempts": message["attempts"],
        },
    )
    finished = {
        **message,
        "status": status,
        "last_error": error or message.get("last_error"),
        "next_attempt_at": None,
    }
    uow.webhooks.save_message(message["msg_id"], finished, version, [outcome])
    NOTIFICATIONS_DELIVERED.labels(CHANNEL, DELIVERED if status == DELIVERED_STATUS else FAILED).inc()
    if status != DELIVERED_STATUS:
        log.warning("webhook message %s %s: %s", message["msg_id"], status, error)


def _observe_latency(message: dict[str, Any], accepted_at: datetime) -> None:
    try:
        caused = datetime.fromisoformat(message["event_time"].replace("Z", "+00:00"))
    except (KeyError, ValueError, AttributeError):
        return
    seconds = (accepted_at - caused).total_seconds()
    if timedelta(0).total_seconds() <= seconds:
        DELIVERY_LATENCY.labels(CHANNEL).observe(seconds)


COMMANDS = {FanOutWebhooks: fan_out}

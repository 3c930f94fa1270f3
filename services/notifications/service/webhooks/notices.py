"""Changing an endpoint's health, and telling its program's admins (or, without a known admin, whoever
created it) when it gets disabled: an in-app message each, and a ``notification.failed`` event with
channel "webhook" in the same write as the disabling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.notifications.domain.message import Message, message_id_of
from services.notifications.domain.webhooks import Endpoint
from services.notifications.service.deliver import plan_delivery
from services.notifications.service.webhooks.access import program_admins
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.contracts.types import NotificationFailed
from shared.errors import StaleWrite

TEMPLATE = "webhook_endpoint_disabled"
Change = Callable[[Endpoint, datetime], Endpoint]


def update_endpoint_record(uow: NotificationsUnitOfWork, endpoint_id: str, change: Change) -> Endpoint | None:
    """Apply ``change`` to the stored endpoint (reloading when a concurrent attempt saved it first); when
    it disables the endpoint, its admins are told. None when the endpoint no longer exists."""
    for _ in range(5):
        loaded = uow.webhooks.endpoint(endpoint_id)
        if loaded is None:
            return None
        before = Endpoint.from_record(loaded.record)
        after = change(before, uow.clock())
        if after == before:
            return after
        events = []
        if after.disabled and not before.disabled:
            _tell_admins(uow, after)
            events = [_failed_event(after)]
        try:
            uow.webhooks.save_endpoint(endpoint_id, after.to_record(), loaded.version, events)
        except StaleWrite:
            continue
        return after
    raise StaleWrite(
        endpoint_id, f"webhook endpoint {endpoint_id} kept changing; its health is updated next time"
    )


def _notice_id(endpoint: Endpoint) -> str:
    """One notice per disabling: keyed by when the endpoint started failing (or was disabled)."""
    since = endpoint.failing_since or endpoint.disabled_at
    return f"webhook-disabled:{endpoint.endpoint_id}:{since.isoformat() if since else ''}"


def _failed_event(endpoint: Endpoint) -> NotificationFailed:
    return NotificationFailed(
        endpoint.endpoint_id,
        {
            "notification_id": _notice_id(endpoint),
            "recipient_id": endpoint.endpoint_id,
            "channel": "webhook",
            "template": TEMPLATE,
            "cause_event_id": _notice_id(endpoint),
            "error": f"endpoint disabled: {endpoint.disabled_reason}",
            "attempts": None,
        },
    )


def recipients(uow: NotificationsUnitOfWork, endpoint: Endpoint) -> list[str]:
    return program_admins(uow, endpoint.program_id) or [endpoint.created_by]


def _tell_admins(uow: NotificationsUnitOfWork, endpoint: Endpoint) -> None:
    """Planned before the disabling is saved, under ids derived from the disabling: a repeat after a
    lost race or a crash plans nothing twice."""
    cause = _notice_id(endpoint)
    now = uow.clock()
    text = (
        f"Webhook endpoint {endpoint.endpoint_id} ({endpoint.url}) was disabled: {endpoint.disabled_reason}. "
        "Events are no longer sent to it. Fix the receiver, enable the endpoint again and replay what it "
        "missed."
    )
    for admin in recipients(uow, endpoint):
        notice = Message(
            message_id=message_id_of(cause, admin, "in_app"),
            cause_event_id=cause,
            cause_type="mentoring.notification.failed.v1",
            recipient=admin,
            participant_id=None,
            program_id=endpoint.program_id,
            channel="in_app",
            category="webhooks",
            urgent=True,
            template=TEMPLATE,
            locale="en",
            subject="A webhook endpoint was disabled",
            text=text,
            html=None,
            address=None,
            deliver_at=now,
        )
        uow.inbox.add(notice, now)  # the in-app message is the inbox item; its delivery is logged as sent
        plan_delivery(uow, notice)

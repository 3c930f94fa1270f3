"""Recording notifications: which messages a cause event produces, kept in the delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.notifications.domain.pairing_notices import notifications_for
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.contracts.types import NotificationDelivered
from shared.messages import Command, DomainEvent, ForgetParticipant, PublishedEvent


@dataclass(frozen=True)
class RecordNotifications(Command):
    """Tell the people an event concerns what happened, once per cause event, recipient and channel."""

    cause_event_id: str
    cause: PublishedEvent


def record_notifications(command: RecordNotifications, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """Deliver in-app and keep the delivery with its outcome event; a redelivered cause adds nothing."""
    delivered: list[DomainEvent] = []
    for notification in notifications_for(command.cause_event_id, command.cause):
        outcome = NotificationDelivered(notification.recipient_id, notification.outcome())
        if uow.deliveries.add(notification, uow.clock(), [outcome]):
            delivered.append(outcome)
    return delivered


def forget_recipient(command: ForgetParticipant, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    uow.deliveries.forget_recipient(command.participant_id)
    return []


def inbox(
    uow: NotificationsUnitOfWork, participant_id: str, skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of a participant's deliveries, newest first (who may read it is the route's concern)."""
    return uow.deliveries.for_recipient(participant_id, skip, limit)


COMMANDS = {RecordNotifications: record_notifications, ForgetParticipant: forget_recipient}

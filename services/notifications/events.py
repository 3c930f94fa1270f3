"""What notifications consumes and publishes."""

from __future__ import annotations

from services.notifications.domain import notifications_for
from services.notifications.store import DeliveryLog
from shared.contracts import CONSUMER_GROUPS
from shared.events.consumer import Handler
from shared.events.envelope import Event, make_event
from shared.metrics import NOTIFICATIONS_DELIVERED

GROUP = "notifications"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])
SOURCE = "/services/notifications"


def handlers(log: DeliveryLog) -> dict[str, Handler]:
    def notify(event: Event) -> None:
        for notification in notifications_for(event.id, event.type, event.data):
            outcome = make_event(
                "mentoring.notification.delivered.v1",
                SOURCE,
                notification.recipient_id,
                {
                    "notification_id": notification.notification_id,
                    "recipient_id": notification.recipient_id,
                    "channel": notification.channel,
                    "template": notification.template,
                    "cause_event_id": notification.cause_event_id,
                },
            )
            if log.record(notification, outcome):
                NOTIFICATIONS_DELIVERED.labels(notification.channel, "delivered").inc()

    def erased(event: Event) -> None:
        log.forget_recipient(event.data["participant_id"])

    return {
        "mentoring.pairing.published.v1": notify,
        "mentoring.pairing.activated.v1": notify,
        "mentoring.pairing.ended.v1": notify,
        "mentoring.participant.erased.v1": erased,
    }

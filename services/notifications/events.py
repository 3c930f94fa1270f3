"""What notifications consumes: Kafka handlers that decode an event into a command for the bus."""

from __future__ import annotations

from services.notifications.service.notify import ForgetParticipant, RecordNotifications
from shared.bus import MessageBus
from shared.contracts import CONSUMER_GROUPS
from shared.contracts.types import PairingActivated, PairingEnded, PairingPublished, ParticipantErased
from shared.events.consumer import Handler, HandlerKey
from shared.events.envelope import Event
from shared.messages import PublishedEvent

GROUP = "notifications"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])
NOTIFIED = (PairingPublished, PairingActivated, PairingEnded)


def handlers(bus: MessageBus) -> dict[HandlerKey, Handler]:
    def notify_of(kind: type[PublishedEvent]) -> Handler:
        def notify(event: Event) -> None:
            bus.handle(RecordNotifications(event.id, kind.from_envelope(event)))

        return notify

    def erased(event: Event) -> None:
        bus.handle(ForgetParticipant(event.data["participant_id"]))

    return {**{kind: notify_of(kind) for kind in NOTIFIED}, ParticipantErased: erased}

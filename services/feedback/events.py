"""What feedback consumes: Kafka handlers that decode an event into a command for the bus."""

from __future__ import annotations

from services.feedback.service import ForgetParticipant, TrackPairingHealth
from shared.bus import MessageBus
from shared.contracts import CONSUMER_GROUPS
from shared.contracts.types import PairingActivated, PairingEnded, ParticipantErased
from shared.events.consumer import Handler, HandlerKey
from shared.events.envelope import Event
from shared.messages import PublishedEvent
from shared.projection import event_time

GROUP = "feedback"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])
TRACKED = (PairingActivated, PairingEnded)


def handlers(bus: MessageBus) -> dict[HandlerKey, Handler]:
    def track(kind: type[PublishedEvent]) -> Handler:
        def pairing_changed(event: Event) -> None:
            bus.handle(TrackPairingHealth(event.id, kind.from_envelope(event), event_time(event)))

        return pairing_changed

    def erased(event: Event) -> None:
        bus.handle(ForgetParticipant(event.data["participant_id"]))

    return {**{kind: track(kind) for kind in TRACKED}, ParticipantErased: erased}

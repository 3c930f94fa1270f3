"""What feedback consumes: pairing lifecycle and erasure."""

from __future__ import annotations

from services.feedback.domain import health_after
from services.feedback.store import PairingHealthStore
from shared.contracts import CONSUMER_GROUPS
from shared.events.consumer import Handler
from shared.events.envelope import Event

GROUP = "feedback"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])


def handlers(store: PairingHealthStore) -> dict[str, Handler]:
    def pairing_changed(event: Event) -> None:
        state = health_after(event.type)
        if state is not None:
            store.set_state(event.data, state, event)

    def erased(event: Event) -> None:
        store.forget_participant(event.data["participant_id"])

    return {
        "mentoring.pairing.activated.v1": pairing_changed,
        "mentoring.pairing.ended.v1": pairing_changed,
        "mentoring.participant.erased.v1": erased,
    }

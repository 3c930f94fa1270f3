"""Intake's events: domain events to CloudEvents envelopes, and what intake consumes (pairing status)."""

from __future__ import annotations

from collections.abc import Iterable

from pymongo.database import Database

from services.intake.domain import DomainEvent
from services.intake.store import PARTICIPANTS
from shared.contracts import CONSUMER_GROUPS
from shared.events.consumer import Handler
from shared.events.envelope import Event, make_event
from shared.projection import upsert_if_newer

SOURCE = "/services/intake"
GROUP = "intake"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])


def envelopes(events: Iterable[DomainEvent]) -> list[Event]:
    return [make_event(e.type, SOURCE, e.subject, e.data) for e in events]


def handlers(db: Database) -> dict[str, Handler]:
    """Intake shows each participant's latest pairing state (kept beside, not inside, the profile)."""

    def pairing_state(event: Event) -> None:
        for role in ("leader_id", "junior_id"):
            participant_id = event.data[role]
            upsert_if_newer(
                db[f"{PARTICIPANTS}_pairing_state"],
                participant_id,
                {"pairing_id": event.data["pairing_id"], "state": event.data["state"]},
                event,
            )

    verbs = ("published", "accepted", "declined", "activated", "ended")
    return {f"mentoring.pairing.{verb}.v1": pairing_state for verb in verbs}

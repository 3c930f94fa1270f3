"""Feedback's use cases: commands, their handlers, the queries routes read, and the bus that runs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.feedback.domain import health_after
from services.feedback.store import FeedbackUnitOfWork
from shared.bus import MessageBus
from shared.errors import NotFound
from shared.messages import Command, DomainEvent, ForgetParticipant, PublishedEvent

PAIRING_FIELDS = ("pairing_id", "program_id", "leader_id", "junior_id")


@dataclass(frozen=True)
class TrackPairingHealth(Command):
    """Follow a pairing's lifecycle; ``as_of`` (the cause's event time) lets a late, older event lose."""

    cause_event_id: str
    cause: PublishedEvent
    as_of: datetime


def track_pairing_health(command: TrackPairingHealth, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    state = health_after(command.cause)
    if state is not None:
        fields = {name: command.cause.data[name] for name in PAIRING_FIELDS}
        uow.pairings.record(
            fields["pairing_id"], {**fields, "state": state}, command.as_of, command.cause_event_id
        )
    return []


def forget_participant(command: ForgetParticipant, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    uow.pairings.forget_participant(command.participant_id)
    return []


def pairing_health(uow: FeedbackUnitOfWork, pairing_id: str) -> dict[str, Any]:
    record = uow.pairings.get(pairing_id)
    if record is None:
        raise NotFound(f"pairing {pairing_id} has no health record")
    return record


COMMANDS = {TrackPairingHealth: track_pairing_health, ForgetParticipant: forget_participant}


def build_bus(uow: FeedbackUnitOfWork) -> MessageBus[FeedbackUnitOfWork]:
    return MessageBus("feedback", uow, COMMANDS)

"""What notifications consumes: every event type published on its topics has a handler here that decodes it
into commands for the bus — projections of programs, participants and contacts, erasure, and
``RecordNotifications`` for each type the routing table knows. A type on these topics that no route knows
(a producer ahead of us) is acknowledged, counted in ``notifications_unrouted_events_total`` and logged
once per type. Types no schema is registered for never reach a handler: the chassis dead-letters them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from services.notifications.config import DeliveryConfig
from services.notifications.domain.routing import knows
from services.notifications.service.notify import RecordNotifications, note_unknown
from services.notifications.service.notify_batch import RecordNotificationsBatch
from services.notifications.service.people import ProjectContact, ProjectParticipant, ProjectProgram
from services.notifications.service.webhooks import SUBSCRIBABLE, FanOutWebhooks, ForgetWebhookRecipient
from shared.bus import MessageBus
from shared.contracts import CONSUMER_GROUPS
from shared.contracts import types as t
from shared.events.consumer import BatchHandler, Handler, HandlerKey
from shared.events.envelope import Event
from shared.events.registry import REGISTRY
from shared.messages import Command, ForgetParticipant, PublishedEvent
from shared.projection import event_time

log = logging.getLogger(__name__)
GROUP = "notifications"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])
Decode = Callable[[Event], list[Command]]


def _program(e: Event) -> list[Command]:
    return [ProjectProgram(e.data["program_id"], e.data, event_time(e), e.id)]


def _participant(e: Event) -> list[Command]:
    return [ProjectParticipant(e.data["participant_id"], e.data, event_time(e), e.id)]


def _withdrawn(e: Event) -> list[Command]:
    return [ProjectParticipant(e.data["participant_id"], {"status": "withdrawn"}, event_time(e), e.id)]


def _contact(e: Event) -> list[Command]:
    return [ProjectContact(e.data["participant_id"], e.data, event_time(e), e.id)]


def _erased(e: Event) -> list[Command]:
    return [ForgetParticipant(e.data["participant_id"]), ForgetWebhookRecipient(e.data["participant_id"])]


PROJECTIONS: dict[type[PublishedEvent], Decode] = {
    t.ProgramCreated: _program,
    t.ProgramUpdated: _program,
    t.ProgramStatusChanged: _program,
    t.ParticipantRegistered: _participant,  # projected first: the enrolment message needs the person
    t.ParticipantUpdated: _participant,
    t.ParticipantWithdrawn: _withdrawn,
    t.ParticipantErased: _erased,
    t.ContactUpserted: _contact,
    t.ContactErased: _erased,
}


def commands_for(kind: type[PublishedEvent], event: Event, base_url: str) -> list[Command]:
    """The commands one consumed event asks for, in order: its projection, then what to tell whom."""
    commands = PROJECTIONS.get(kind, lambda _e: [])(event)
    if knows(kind) or kind is t.ContactUpserted:  # contact details may complete an enrolment message
        commands.append(RecordNotifications(event.id, kind.from_envelope(event), event_time(event), base_url))
    if kind.type in SUBSCRIBABLE:  # subscriber webhooks (service/webhooks)
        commands.append(FanOutWebhooks(event))
    return commands


def consumed_types() -> list[type[PublishedEvent]]:
    """Every event class published on the topics this group reads."""
    return [
        registered.event_class
        for registered in REGISTRY.types()
        if registered.topic in CONSUMED_TOPICS and registered.event_class is not None
    ]


def batched(kind: type[PublishedEvent]) -> bool:
    """Types recorded a polled run at a time: those that only tell people (no projection to write first)."""
    return knows(kind) and kind not in PROJECTIONS


def handlers(bus: MessageBus, base_url: str | None = None) -> dict[HandlerKey, Handler]:
    """A handler for every type on the consumed topics (links in messages start at ``base_url``); the
    types that only tell people share one batch handler, so a polled run of them is recorded at once."""
    base = base_url or DeliveryConfig.from_env().public_base_url
    kinds = {kind.type: kind for kind in consumed_types()}

    def handle_many(events: list[Event]) -> None:
        commands = tuple(c for e in events for c in commands_for(kinds[e.type], e, base))
        if commands:  # RecordNotifications and FanOutWebhooks (batched types have no projection)
            bus.handle(RecordNotificationsBatch(commands))

    batch = BatchHandler(handle_many)

    def handler_for(kind: type[PublishedEvent]) -> Handler:
        def handle(event: Event) -> None:
            commands = commands_for(kind, event, base)
            if not commands and note_unknown(kind.type):
                log.warning("no route for %s: ignored (counted, logged once per type)", kind.type)
            for command in commands:
                bus.handle(command)

        return handle

    return {kind: batch if batched(kind) else handler_for(kind) for kind in consumed_types()}

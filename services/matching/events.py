"""What matching consumes (intake's programs, participants, org chart; feedback's at-risk signal): each
event is decoded into one command for the bus. Every command is idempotent: projections are
order-tolerant upserts, use cases find nothing left to do on a replay, and rematch runs take ids derived
from their trigger."""

from __future__ import annotations

from collections.abc import Callable

from services.matching.service import commands as c
from services.matching.store.ports import MatchingUnitOfWork
from shared.bus import MessageBus
from shared.contracts import CONSUMER_GROUPS
from shared.contracts.types import (
    OrgChartEmployeeUpserted,
    PairingAtRisk,
    ParticipantErased,
    ParticipantRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
    ProgramCreated,
    ProgramStatusChanged,
    ProgramUpdated,
)
from shared.events.consumer import Handler
from shared.events.envelope import Event
from shared.messages import Command, PublishedEvent

GROUP = "matching"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])

COMMANDS: dict[type[PublishedEvent], Callable[[Event], Command]] = {
    ParticipantRegistered: lambda e: c.ProjectParticipant(e.data, e),
    ParticipantUpdated: lambda e: c.ProjectParticipant(e.data, e),
    ParticipantWithdrawn: lambda e: c.WithdrawParticipant(e.data["participant_id"], e.data["program_id"], e),
    ParticipantErased: lambda e: c.EraseParticipant(
        e.data["participant_id"], e.data["program_id"], e.data.get("employee_id"), e
    ),
    ProgramCreated: lambda e: c.ProjectProgram(e.data, e),
    ProgramUpdated: lambda e: c.ProjectProgram(e.data, e),
    ProgramStatusChanged: lambda e: c.ProjectProgram(e.data, e),
    OrgChartEmployeeUpserted: lambda e: c.ProjectReportingLine(
        e.data["employee_id"], e.data.get("manager_id"), e
    ),
    PairingAtRisk: lambda e: c.MarkPairingAtRisk(e.data["pairing_id"], e.data["reason"]),
}


def handlers(bus: MessageBus[MatchingUnitOfWork]) -> dict[type[PublishedEvent], Handler]:
    """Event type → handler: decode into the command, hand it to the bus."""

    def handler_for(decode: Callable[[Event], Command]) -> Handler:
        def handle(event: Event) -> None:
            bus.handle(decode(event))

        return handle

    return {event_type: handler_for(decode) for event_type, decode in COMMANDS.items()}

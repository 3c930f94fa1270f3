"""What feedback consumes: Kafka handlers that decode an event into a command for the bus."""

from __future__ import annotations

from services.feedback.service.projections import (
    ProjectParticipant,
    ProjectProgram,
    ProjectReportingLine,
    TrackPairingHealth,
    WithdrawParticipant,
)
from shared.bus import MessageBus
from shared.contracts import CONSUMER_GROUPS
from shared.contracts.types import (
    OrgChartEmployeeUpserted,
    PairingActivated,
    PairingEnded,
    ParticipantErased,
    ParticipantRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
    ProgramCreated,
    ProgramStatusChanged,
    ProgramUpdated,
)
from shared.events.consumer import Handler, HandlerKey
from shared.events.envelope import Event
from shared.messages import ForgetParticipant, PublishedEvent
from shared.projection import event_time

GROUP = "feedback"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])
TRACKED = (PairingActivated, PairingEnded)
PROGRAM_EVENTS = (ProgramCreated, ProgramUpdated, ProgramStatusChanged)
PARTICIPANT_EVENTS = (ParticipantRegistered, ParticipantUpdated)


def handlers(bus: MessageBus) -> dict[HandlerKey, Handler]:
    def track(kind: type[PublishedEvent]) -> Handler:
        def pairing_changed(event: Event) -> None:
            bus.handle(TrackPairingHealth(event.id, kind.from_envelope(event), event_time(event)))

        return pairing_changed

    def program(event: Event) -> None:
        bus.handle(ProjectProgram(event.data, event_time(event), event.id))

    def participant(event: Event) -> None:
        bus.handle(ProjectParticipant(event.data, event_time(event), event.id))

    def withdrawn(event: Event) -> None:
        bus.handle(WithdrawParticipant(event.data["participant_id"], event_time(event), event.id))

    def reporting_line(event: Event) -> None:
        data = event.data
        bus.handle(
            ProjectReportingLine(data["employee_id"], data.get("manager_id"), event_time(event), event.id)
        )

    def erased(event: Event) -> None:
        bus.handle(ForgetParticipant(event.data["participant_id"]))

    return {
        **{kind: track(kind) for kind in TRACKED},
        **{kind: program for kind in PROGRAM_EVENTS},
        **{kind: participant for kind in PARTICIPANT_EVENTS},
        ParticipantWithdrawn: withdrawn,
        OrgChartEmployeeUpserted: reporting_line,
        ParticipantErased: erased,
    }

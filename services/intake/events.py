"""What intake consumes: its own participant events, whose reporting lines its worker lays over the org chart
(done there, not in the request, so an enrolment is one document write)."""

from __future__ import annotations

from datetime import datetime

from services.intake.service import commands
from shared.bus import MessageBus
from shared.contracts import CONSUMER_GROUPS
from shared.contracts.types import ParticipantRegistered, ParticipantUpdated
from shared.events.consumer import Handler
from shared.events.envelope import Event
from shared.mongo import stored_precision

GROUP = "intake"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])


def handlers(bus: MessageBus) -> dict[type, Handler]:
    def reporting_line(event: Event) -> None:
        employee, manager = event.data.get("employee_id"), event.data.get("manager_id")
        if employee and manager:
            as_of = stored_precision(datetime.fromisoformat(event.time))
            bus.handle(commands.SetReportingLine(employee, manager, as_of))

    return {ParticipantRegistered: reporting_line, ParticipantUpdated: reporting_line}

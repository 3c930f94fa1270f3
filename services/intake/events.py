"""What intake consumes: its own participant events, whose reporting lines its worker lays over the org chart
(done there, not in the request, so an enrolment is one document write), a polled batch's lines at once."""

from __future__ import annotations

from datetime import datetime

from services.intake.service import commands
from shared.bus import MessageBus
from shared.contracts import CONSUMER_GROUPS
from shared.contracts.types import ParticipantRegistered, ParticipantUpdated
from shared.events.consumer import BatchHandler
from shared.events.envelope import Event
from shared.mongo import stored_precision

GROUP = "intake"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])


def reporting_line(event: Event) -> commands.SetReportingLine | None:
    """The line a registration or profile change names, as of the event's time; None when it names none."""
    employee, manager = event.data.get("employee_id"), event.data.get("manager_id")
    if not (employee and manager):
        return None
    return commands.SetReportingLine(employee, manager, stored_precision(datetime.fromisoformat(event.time)))


def handlers(bus: MessageBus) -> dict[type, BatchHandler]:
    """One batch handler for both types, so a polled run of registrations and changes is one command."""

    def reporting_lines(events: list[Event]) -> None:
        lines = tuple(line for line in map(reporting_line, events) if line is not None)
        if lines:
            bus.handle(commands.SetReportingLines(lines))

    batch = BatchHandler(reporting_lines)
    return {ParticipantRegistered: batch, ParticipantUpdated: batch}

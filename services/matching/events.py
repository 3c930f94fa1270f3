"""What matching consumes (intake's programs, participants, org chart) and how each event is applied."""

from __future__ import annotations

from services.matching.store import ProjectionStore
from shared.contracts import CONSUMER_GROUPS
from shared.events.consumer import Handler
from shared.events.envelope import Event

GROUP = "matching"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])


def handlers(store: ProjectionStore) -> dict[str, Handler]:
    """Event type → handler; each is idempotent and order-tolerant per aggregate key."""

    def participant_saved(event: Event) -> None:
        store.save_participant(event.data, event)

    def participant_withdrawn(event: Event) -> None:
        store.set_participant_status(event.data["participant_id"], "withdrawn", event)

    def participant_erased(event: Event) -> None:
        store.forget_participant(event.data["participant_id"], event.data["program_id"], event)

    def program_saved(event: Event) -> None:
        store.save_program(event.data, event)

    def reporting_line(event: Event) -> None:
        store.save_reporting_line(event.data["employee_id"], event.data.get("manager_id"), event)

    return {
        "mentoring.participant.registered.v1": participant_saved,
        "mentoring.participant.updated.v1": participant_saved,
        "mentoring.participant.withdrawn.v1": participant_withdrawn,
        "mentoring.participant.erased.v1": participant_erased,
        "mentoring.program.created.v1": program_saved,
        "mentoring.program.updated.v1": program_saved,
        "mentoring.program.status_changed.v1": program_saved,
        "mentoring.orgchart.employee_upserted.v1": reporting_line,
    }

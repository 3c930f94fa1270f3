"""What matching consumes (intake's programs, participants, org chart; feedback's at-risk signal) and
how each event is applied. Every handler is idempotent: projections are order-tolerant upserts, use
cases find nothing left to do on a replay, and rematch runs take ids derived from the event id."""

from __future__ import annotations

from services.matching.service import MatchingService
from services.matching.store import ProjectionStore
from shared.contracts import CONSUMER_GROUPS, PROGRAM_STATUSES
from shared.events.consumer import Handler
from shared.events.envelope import Event
from shared.metrics import PROGRAMS_BY_STATUS

GROUP = "matching"
CONSUMED_TOPICS = list(CONSUMER_GROUPS[GROUP])


def refresh_program_gauge(store: ProjectionStore) -> None:
    """programs_by_status from the projection (the SRE alert on stalled matching reads it)."""
    counts = store.program_status_counts()
    for status in PROGRAM_STATUSES:
        PROGRAMS_BY_STATUS.labels(status).set(counts.get(status, 0))


def handlers(service: MatchingService) -> dict[str, Handler]:
    """Event type → handler."""
    store = service.projection

    def participant_saved(event: Event) -> None:
        applied = store.save_participant(event.data, event)
        data = event.data
        if applied and data["role"] == "junior" and data["status"] == "enrolled":
            service.junior_registered(data["program_id"], event.id)  # capacity may have appeared

    def participant_withdrawn(event: Event) -> None:
        service.withdraw_participant(event.data["participant_id"], event.data["program_id"], event)

    def participant_erased(event: Event) -> None:
        service.erase_participant(event.data["participant_id"], event.data["program_id"], event)

    def program_saved(event: Event) -> None:
        store.save_program(event.data, event)
        refresh_program_gauge(store)

    def reporting_line(event: Event) -> None:
        store.save_reporting_line(event.data["employee_id"], event.data.get("manager_id"), event)

    def pairing_at_risk(event: Event) -> None:
        service.pairing_at_risk(event.data["pairing_id"], event.data["reason"], event.id)

    return {
        "mentoring.participant.registered.v1": participant_saved,
        "mentoring.participant.updated.v1": participant_saved,
        "mentoring.participant.withdrawn.v1": participant_withdrawn,
        "mentoring.participant.erased.v1": participant_erased,
        "mentoring.program.created.v1": program_saved,
        "mentoring.program.updated.v1": program_saved,
        "mentoring.program.status_changed.v1": program_saved,
        "mentoring.orgchart.employee_upserted.v1": reporting_line,
        "mentoring.feedback.pairing_at_risk.v1": pairing_at_risk,
    }

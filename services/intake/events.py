"""Intake's events: domain events to CloudEvents envelopes, and what intake consumes: pairing status, and its
own participant events, whose reporting lines its worker lays over the org chart."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo.database import Database

from services.intake.domain import DomainEvent, OrgChartDiff
from services.intake.store import PARTICIPANTS, OrgChartStore
from shared.contracts import CONSUMER_GROUPS
from shared.events.consumer import Handler
from shared.events.envelope import Event, make_event
from shared.mongo import stored_precision
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

    orgchart = OrgChartStore(db)

    def reporting_line(event: Event) -> None:
        """A registration or profile change names the employee's manager: the chart takes that line.

        Done here, not in the request, so an enrolment is one document write; the line (and its
        ``employee_upserted`` event) is written only when new or changed, so a redelivery changes nothing.
        """
        employee, manager = event.data.get("employee_id"), event.data.get("manager_id")
        if not (employee and manager):
            return
        as_of = stored_precision(datetime.fromisoformat(event.time))
        superseded_by = orgchart.last_whole_upload()
        if superseded_by is not None and as_of < superseded_by:
            return  # HR replaced the whole chart after this line was given
        line_events = envelopes(OrgChartDiff(upserted={employee: manager}).events())
        orgchart.set_line(employee, manager, line_events, as_of)

    verbs = ("published", "accepted", "declined", "activated", "ended")
    return {
        **{f"mentoring.pairing.{verb}.v1": pairing_state for verb in verbs},
        "mentoring.participant.registered.v1": reporting_line,
        "mentoring.participant.updated.v1": reporting_line,
    }

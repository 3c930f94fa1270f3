"""Every published event type as a class, registered once: its CloudEvents type, topic, payload schema and
description (the docstring). Producers build instances, consumers key their handlers by these classes, and
the JSON Schemas, AsyncAPI document and docs derive from the registry they fill."""

from __future__ import annotations

from shared.contracts.feedback import (
    CheckInDuePayload,
    CheckInLoggedPayload,
    ContactPayload,
    GoalPayload,
    InsightPayload,
    PairingRecoveredPayload,
    PulseClosedPayload,
    PulseEscalatedPayload,
    SurveyDuePayload,
)
from shared.contracts.payloads import (
    CONTACTS,
    FEEDBACK,
    MATCH_RUNS,
    NOTIFICATIONS,
    ORGCHART,
    PAIRINGS,
    PARTICIPANTS,
    PROGRAMS,
    NotificationOutcome,
    OrgChartEntry,
    PairingPayload,
    ParticipantErasure,
    ParticipantPayload,
    ParticipantRef,
    ProgramPayload,
)
from shared.contracts.payloads import (
    MatchRunCompleted as MatchRunCompletedPayload,
)
from shared.contracts.payloads import (
    PairingAtRisk as PairingAtRiskPayload,
)
from shared.messages import PublishedEvent


class ProgramCreated(
    PublishedEvent, type="mentoring.program.created.v1", topic=PROGRAMS, schema=ProgramPayload
):
    """A program was created (status draft)."""


class ProgramUpdated(
    PublishedEvent, type="mentoring.program.updated.v1", topic=PROGRAMS, schema=ProgramPayload
):
    """A program's settings changed."""


class ProgramStatusChanged(
    PublishedEvent, type="mentoring.program.status_changed.v1", topic=PROGRAMS, schema=ProgramPayload
):
    """Lifecycle transition."""


class ParticipantRegistered(
    PublishedEvent, type="mentoring.participant.registered.v1", topic=PARTICIPANTS, schema=ParticipantPayload
):
    """Enrolled in a program."""


class ParticipantUpdated(
    PublishedEvent, type="mentoring.participant.updated.v1", topic=PARTICIPANTS, schema=ParticipantPayload
):
    """Profile changed."""


class ParticipantWithdrawn(
    PublishedEvent, type="mentoring.participant.withdrawn.v1", topic=PARTICIPANTS, schema=ParticipantRef
):
    """Left the program."""


class ParticipantErased(
    PublishedEvent, type="mentoring.participant.erased.v1", topic=PARTICIPANTS, schema=ParticipantErasure
):
    """Erased (GDPR): forget them."""


class OrgChartEmployeeUpserted(
    PublishedEvent, type="mentoring.orgchart.employee_upserted.v1", topic=ORGCHART, schema=OrgChartEntry
):
    """Reporting line set."""


class PairingProposed(
    PublishedEvent, type="mentoring.pairing.proposed.v1", topic=PAIRINGS, schema=PairingPayload
):
    """A match run proposed this pair (admin review pending)."""


class PairingPublished(
    PublishedEvent, type="mentoring.pairing.published.v1", topic=PAIRINGS, schema=PairingPayload
):
    """An admin published the pair to both participants."""


class PairingAccepted(
    PublishedEvent, type="mentoring.pairing.accepted.v1", topic=PAIRINGS, schema=PairingPayload
):
    """One side accepted; `by` says who."""


class PairingDeclined(
    PublishedEvent, type="mentoring.pairing.declined.v1", topic=PAIRINGS, schema=PairingPayload
):
    """One side declined with a reason; the pair is excluded from now on."""


class PairingActivated(
    PublishedEvent, type="mentoring.pairing.activated.v1", topic=PAIRINGS, schema=PairingPayload
):
    """Both accepted: the mentoring relationship is active."""


class PairingEnded(PublishedEvent, type="mentoring.pairing.ended.v1", topic=PAIRINGS, schema=PairingPayload):
    """The pairing ended (planned, early, or erased) with a reason."""


class PairingRematchRequested(
    PublishedEvent, type="mentoring.pairing.rematch_requested.v1", topic=PAIRINGS, schema=PairingPayload
):
    """The leader goes back on the waitlist for a new junior."""


class MatchRunCompleted(
    PublishedEvent, type="mentoring.match_run.completed.v1", topic=MATCH_RUNS, schema=MatchRunCompletedPayload
):
    """A match run finished."""


class PairingAtRisk(
    PublishedEvent, type="mentoring.feedback.pairing_at_risk.v1", topic=FEEDBACK, schema=PairingAtRiskPayload
):
    """Pairing health crossed the at-risk threshold: matching requests a rematch, the admin is told."""


class PairingRecovered(
    PublishedEvent,
    type="mentoring.feedback.pairing_recovered.v1",
    topic=FEEDBACK,
    schema=PairingRecoveredPayload,
):
    """A pairing that was at risk is healthy again: the at-risk flag clears."""


class GoalSet(PublishedEvent, type="mentoring.feedback.goal_set.v1", topic=FEEDBACK, schema=GoalPayload):
    """A leader's learning goal or a junior's growth goal was set or updated on an active pairing."""


class GoalCompleted(
    PublishedEvent, type="mentoring.feedback.goal_completed.v1", topic=FEEDBACK, schema=GoalPayload
):
    """A goal reached its end state (achieved or dropped)."""


class CheckInLogged(
    PublishedEvent, type="mentoring.feedback.checkin_logged.v1", topic=FEEDBACK, schema=CheckInLoggedPayload
):
    """A session was logged on a pairing (date and duration; notes stay in feedback)."""


class CheckInDue(
    PublishedEvent, type="mentoring.feedback.checkin_due.v1", topic=FEEDBACK, schema=CheckInDuePayload
):
    """A pairing missed its program's check-in cadence: remind both sides."""


class SurveyDue(
    PublishedEvent, type="mentoring.feedback.survey_due.v1", topic=FEEDBACK, schema=SurveyDuePayload
):
    """A milestone survey (fit check, midpoint, end) is open for both sides of a pairing."""


class InsightRaised(
    PublishedEvent, type="mentoring.feedback.insight_raised.v1", topic=FEEDBACK, schema=InsightPayload
):
    """A junior recorded an insight for their leader."""


class InsightActedUpon(
    PublishedEvent, type="mentoring.feedback.insight_acted_upon.v1", topic=FEEDBACK, schema=InsightPayload
):
    """The leader acted upon a junior's insight: the junior is told."""


class PulseClosed(
    PublishedEvent, type="mentoring.feedback.pulse_closed.v1", topic=FEEDBACK, schema=PulseClosedPayload
):
    """A safety pulse's window closed; its aggregate is released only with at least k responses."""


class PulseEscalated(
    PublishedEvent, type="mentoring.feedback.pulse_escalated.v1", topic=FEEDBACK, schema=PulseEscalatedPayload
):
    """Someone asked to talk to someone: the program admin, or hr where the admin is in the junior's chain."""


class ContactUpserted(
    PublishedEvent, type="mentoring.contact.upserted.v1", topic=CONTACTS, schema=ContactPayload
):
    """How to reach a participant (name, work e-mail, locale); compacted topic, key participant_id."""


class ContactErased(
    PublishedEvent, type="mentoring.contact.erased.v1", topic=CONTACTS, schema=ParticipantErasure
):
    """The participant was erased: the last record of the key, so compaction drops their contact details."""


class NotificationDelivered(
    PublishedEvent,
    type="mentoring.notification.delivered.v1",
    topic=NOTIFICATIONS,
    schema=NotificationOutcome,
):
    """A person was told."""


class NotificationFailed(
    PublishedEvent, type="mentoring.notification.failed.v1", topic=NOTIFICATIONS, schema=NotificationOutcome
):
    """Delivery gave up."""


PAIRING_EVENTS: dict[str, type[PublishedEvent]] = {
    cls.type.split(".")[2]: cls
    for cls in (
        PairingProposed,
        PairingPublished,
        PairingAccepted,
        PairingDeclined,
        PairingActivated,
        PairingEnded,
        PairingRematchRequested,
    )
}

"""Payload schemas of what feedback publishes (``mentoring.feedback.*.v1``) and the people-facing contact
details intake publishes on their own compacted topic.

Feedback's events carry ids, codes, dates and counts only: what a person typed (goal text, notes, an
insight's description, a pulse answer) stays in feedback's database, where erasure can reach it. A pulse
event carries only an aggregate that the k rule already released.
"""

from __future__ import annotations

from marshmallow import fields, validate

from shared.contracts.payloads import EMPLOYEE_ID_PATTERN, ID_LENGTH, LANGUAGE_TAG_PATTERN, Strict

SIDES = ("leader", "junior")
GOAL_STATUSES = ("open", "in_progress", "achieved", "dropped")
SURVEY_KINDS = ("fit_check", "midpoint", "end")
INSIGHT_STATUSES = ("raised", "acknowledged", "acted_upon")
ESCALATION_ROUTES = ("admin", "hr")


def _id(**kwargs: object) -> fields.String:
    return fields.String(required=True, validate=ID_LENGTH, **kwargs)  # type: ignore[arg-type]


class GoalPayload(Strict):
    """Payload of ``goal_set`` / ``goal_completed`` (key: pairing_id): the goal's ids, side and status."""

    goal_id = _id()
    pairing_id = _id()
    program_id = _id()
    owner_id = _id(metadata={"description": "participant id of the side whose goal it is"})
    side = fields.String(required=True, validate=validate.OneOf(SIDES))
    status = fields.String(required=True, validate=validate.OneOf(GOAL_STATUSES))
    area = fields.String(
        load_default=None, allow_none=True, metadata={"description": "focus area or growth goal code"}
    )
    target_date = fields.Date(load_default=None, allow_none=True)
    progress = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 100))


class CheckInLoggedPayload(Strict):
    """Payload of ``checkin_logged`` (key: pairing_id): when and how long, never the notes."""

    check_in_id = _id()
    pairing_id = _id()
    program_id = _id()
    logged_by = _id(metadata={"description": "participant id"})
    held_on = fields.Date(required=True)
    duration_minutes = fields.Integer(strict=True, required=True, validate=validate.Range(1, 600))


class CheckInDuePayload(Strict):
    """Payload of ``checkin_due`` (key: pairing_id): the cadence was missed; both sides get a reminder."""

    pairing_id = _id()
    program_id = _id()
    leader_id = _id()
    junior_id = _id()
    due_on = fields.Date(required=True)
    last_held_on = fields.Date(load_default=None, allow_none=True)
    weeks_without = fields.Integer(strict=True, required=True, validate=validate.Range(0, 520))


class SurveyDuePayload(Strict):
    """Payload of ``survey_due`` (key: pairing_id): a milestone survey is open for both sides."""

    survey_id = _id()
    pairing_id = _id()
    program_id = _id()
    kind = fields.String(required=True, validate=validate.OneOf(SURVEY_KINDS))
    leader_id = _id()
    junior_id = _id()
    due_on = fields.Date(required=True)


class InsightPayload(Strict):
    """Payload of ``insight_raised`` / ``insight_acted_upon`` (key: pairing_id): ids, area and status; the
    description and what changed stay in feedback's database."""

    insight_id = _id()
    pairing_id = _id()
    program_id = _id()
    junior_id = _id(metadata={"description": "participant id of the junior who raised it"})
    leader_id = _id()
    area = fields.String(required=True, validate=validate.Length(min=1, max=64))
    status = fields.String(required=True, validate=validate.OneOf(INSIGHT_STATUSES))


class PairingRecoveredPayload(Strict):
    """Payload of ``pairing_recovered`` (key: pairing_id): health is back above the threshold."""

    pairing_id = _id()
    program_id = _id()
    score = fields.Float(required=True, validate=validate.Range(0, 100))


class ReleasedQuestion(Strict):
    question_id = fields.String(required=True)
    mean = fields.Float(required=True)
    answers = fields.Integer(strict=True, required=True)


class PulseClosedPayload(Strict):
    """Payload of ``pulse_closed`` (key: pulse_id): the aggregate released at close, or none below k."""

    pulse_id = _id()
    program_id = _id()
    k = fields.Integer(strict=True, required=True, validate=validate.Range(3, 1000))
    released = fields.Boolean(
        required=True, metadata={"description": "false: fewer than k responses, no figures at all"}
    )
    responses = fields.Integer(strict=True, load_default=None, allow_none=True)
    questions = fields.List(fields.Nested(ReleasedQuestion), load_default=None, allow_none=True)


class PulseEscalatedPayload(Strict):
    """Payload of ``pulse_escalated`` (key: escalation_id): someone asked to talk. Who, and what they said,
    stay in feedback's database; the event names only who must be told (never the leader or anyone in the
    junior's reporting chain)."""

    escalation_id = _id()
    program_id = _id()
    route = fields.String(
        required=True,
        validate=validate.OneOf(ESCALATION_ROUTES),
        metadata={"description": "admin: recipient_ids are program admins; hr: the hr role is told"},
    )
    recipient_ids = fields.List(
        fields.String(validate=validate.Regexp(EMPLOYEE_ID_PATTERN)), load_default=list
    )


class ContactPayload(Strict):
    """Payload of ``mentoring.contact.upserted.v1`` on the compacted contacts topic (key: participant_id):
    how to reach a participant. Kept off the long-retention topics; an erasure publishes
    ``contact.erased`` for the same key, so compaction removes every earlier record of the person."""

    participant_id = _id()
    program_id = _id()
    employee_id = fields.String(required=True, validate=validate.Regexp(EMPLOYEE_ID_PATTERN))
    display_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(load_default=None, allow_none=True)
    locale = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(LANGUAGE_TAG_PATTERN),
        metadata={"description": "preferred locale, BCP 47 (e.g. en, fr)"},
    )  # fmt: skip

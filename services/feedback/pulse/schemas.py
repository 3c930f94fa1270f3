"""HTTP bodies of the pulse API. Answer scores are checked by the domain (every problem named at once as
``answers.<question_id>``), so the schema takes any mapping of question ids to values."""

from __future__ import annotations

from marshmallow import fields, validate

from services.feedback.pulse.domain import BREAKDOWNS, SCALE
from shared.http import StrictSchema
from shared.vocabulary import ROLES

QUESTION_ID = validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$", error="lower-case letters, digits and _ (max 64)")


class PulseQuestion(StrictSchema):
    question_id = fields.String(required=True, validate=QUESTION_ID)
    text = fields.String(required=True, validate=validate.Length(min=1, max=300))


class PulseCreate(StrictSchema):
    title = fields.String(load_default="Psychological safety pulse", validate=validate.Length(min=1, max=200))
    opens_at = fields.AwareDateTime(load_default=None, metadata={"description": "default: now"})
    closes_at = fields.AwareDateTime(required=True, metadata={"description": "results are released then"})
    questions = fields.List(
        fields.Nested(PulseQuestion), load_default=None, validate=validate.Length(min=1, max=20),
        metadata={"description": f"Likert {SCALE[0]}-{SCALE[1]} statements; default: four safety questions"},
    )  # fmt: skip
    respondent_roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)), load_default=None, validate=validate.Length(min=1),
        metadata={"description": "participant roles asked; default: juniors"},
    )  # fmt: skip
    breakdown = fields.String(
        load_default="department", allow_none=True, validate=validate.OneOf(BREAKDOWNS),
        metadata={"description": "group attribute ballots carry (null: none); shown only when every group "
                  "and its complement reach k"},
    )  # fmt: skip


class PulseView(StrictSchema):
    pulse_id = fields.String()
    program_id = fields.String()
    title = fields.String()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    questions = fields.List(fields.Nested(PulseQuestion))
    respondent_roles = fields.List(fields.String())
    breakdown = fields.String(allow_none=True)
    k = fields.Integer()
    status = fields.String(metadata={"description": "open or closed"})
    answered = fields.Boolean(metadata={"description": "only for a participant: whether they answered"})


class PulseList(StrictSchema):
    items = fields.List(fields.Nested(PulseView))


class PulseAnswer(StrictSchema):
    answers = fields.Dict(
        keys=fields.String(), values=fields.Raw(), required=True,
        metadata={"description": f"question_id -> whole score {SCALE[0]}-{SCALE[1]}, every question once"},
    )  # fmt: skip
    talk_to_someone = fields.Boolean(
        load_default=False,
        metadata={"description": "ask to be contacted: goes to the program admin, or hr where an admin is in "
                  "your reporting chain; stored apart from your (anonymous) answer and not linked to it"},
    )  # fmt: skip
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class AnswerTaken(StrictSchema):
    recorded = fields.Boolean()
    escalation_id = fields.String(allow_none=True)
    route = fields.String(allow_none=True, metadata={"description": "admin or hr"})


class PulseQuestionFigures(StrictSchema):
    question_id = fields.String()
    mean = fields.Float()
    answers = fields.Integer()
    favourable_pct = fields.Float(metadata={"description": "share of 4 and 5 answers"})


class PulseGroupFigures(StrictSchema):
    group = fields.String()
    responses = fields.Integer()
    questions = fields.List(fields.Nested(PulseQuestionFigures))


class PulseBreakdown(StrictSchema):
    by = fields.String()
    suppressed = fields.Boolean(metadata={"description": "true: a group or its complement is below k"})
    groups = fields.List(fields.Nested(PulseGroupFigures), allow_none=True)


class PulseResults(StrictSchema):
    pulse_id = fields.String()
    program_id = fields.String()
    title = fields.String()
    status = fields.String()
    closes_at = fields.DateTime()
    closed_at = fields.DateTime()
    k = fields.Integer()
    released = fields.Boolean()
    reason = fields.String(metadata={"description": "not_closed or not_enough_responses (no figures then)"})
    detail = fields.String()
    responses = fields.Integer(allow_none=True)
    questions = fields.List(fields.Nested(PulseQuestionFigures), allow_none=True)
    breakdown = fields.Nested(PulseBreakdown, allow_none=True)


class PulseEscalationQuery(StrictSchema):
    program_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class PulseEscalationView(StrictSchema):
    escalation_id = fields.String()
    program_id = fields.String()
    participant_id = fields.String()
    employee_id = fields.String()
    message = fields.String(allow_none=True)
    route = fields.String()
    recipient_ids = fields.List(fields.String())
    raised_at = fields.DateTime()


class PulseEscalationList(StrictSchema):
    items = fields.List(fields.Nested(PulseEscalationView))

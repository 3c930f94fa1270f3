"""HTTP schemas of the feedback API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.feedback.pulse.schemas import PulseResults
from services.feedback.service import PAIRING_FIELDS
from shared.contracts.feedback import GOAL_STATUSES


class HealthComponentsSchema(Schema):
    cadence = fields.Float(metadata={"description": "0-100: check-ins kept to the program's cadence"})
    goals = fields.Float(metadata={"description": "0-100: mean progress of open and achieved goals"})
    fit = fields.Float(allow_none=True, metadata={"description": "0-100: the fit-check answers, if any"})


class HealthSchema(Schema):
    score = fields.Float()
    at_risk = fields.Boolean()
    reason = fields.String(allow_none=True)
    components = fields.Nested(HealthComponentsSchema)
    weights = fields.Dict(keys=fields.String(), values=fields.Float())
    computed_at = fields.DateTime()


PairingHealthSchema = Schema.from_dict(
    {
        **{name: fields.String() for name in (*PAIRING_FIELDS, "state", "end_kind")},
        "activated_on": fields.String(metadata={"description": "ISO date"}),
        "ended_on": fields.String(metadata={"description": "ISO date"}),
        "at_risk": fields.Boolean(allow_none=True),
        "health": fields.Nested(HealthSchema, allow_none=True),
    },
    name="PairingHealthSchema",
)


def _text(maximum: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=maximum), **kwargs)


class GoalCreateSchema(Schema):
    area = fields.String(
        required=True,
        metadata={"description": "leader: one of the program's focus areas; junior: a growth goal code"},
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    success_criteria = _text(2000, load_default=None, allow_none=True)
    target_date = fields.Date(load_default=None, allow_none=True)


class GoalProgressSchema(Schema):
    percent = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(0, 100))
    note = _text(2000, load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(GOAL_STATUSES))


class GoalUpdateSchema(Schema):
    at = fields.DateTime()
    by = fields.String()
    percent = fields.Integer()
    note = fields.String(allow_none=True)
    status = fields.String()


class GoalSchema(Schema):
    goal_id = fields.String()
    pairing_id = fields.String()
    program_id = fields.String()
    owner_id = fields.String()
    side = fields.String()
    area = fields.String()
    title = fields.String()
    success_criteria = fields.String(allow_none=True)
    target_date = fields.String(allow_none=True)
    status = fields.String()
    progress = fields.Integer()
    updates = fields.List(fields.Nested(GoalUpdateSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CheckInCreateSchema(Schema):
    held_on = fields.Date(
        required=True, metadata={"description": "the day the session took place (not future)"}
    )
    duration_minutes = fields.Integer(strict=True, required=True, validate=validate.Range(1, 600))
    topics = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=20),
    )
    shared_notes = _text(5000, load_default=None, allow_none=True)
    private_notes = _text(
        5000, load_default=None, allow_none=True, metadata={"description": "seen only by you"}
    )


class CheckInSchema(Schema):
    check_in_id = fields.String()
    pairing_id = fields.String()
    logged_by = fields.String()
    held_on = fields.String()
    duration_minutes = fields.Integer()
    topics = fields.List(fields.String())
    shared_notes = fields.String(allow_none=True)
    private_notes = fields.String(
        allow_none=True, metadata={"description": "yours only; never the other side's"}
    )
    logged_at = fields.DateTime()


class InsightCreateSchema(Schema):
    area = fields.String(required=True, validate=validate.Length(min=1, max=64))
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    suggested_action = _text(2000, load_default=None, allow_none=True)


class InsightActedUponSchema(Schema):
    what_changed = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class InsightSchema(Schema):
    insight_id = fields.String()
    pairing_id = fields.String()
    junior_id = fields.String()
    leader_id = fields.String()
    area = fields.String()
    description = fields.String(allow_none=True)
    suggested_action = fields.String(allow_none=True)
    status = fields.String()
    raised_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acted_upon_at = fields.DateTime(allow_none=True)
    what_changed = fields.String(allow_none=True)


class SurveyAnswerSchema(Schema):
    answers = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "question id -> Likert 1-5 (integer) or free text"},
    )


class QuestionSchema(Schema):
    question_id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,40}$"))
    kind = fields.String(required=True, validate=validate.OneOf(("likert", "text")))
    text = fields.String(required=True, validate=validate.Length(min=1, max=300))


class FeedbackSettingsSchema(Schema):
    cadence_weeks = fields.Integer(
        strict=True,
        validate=validate.Range(1, 12),
        metadata={"description": "a check-in is expected every N weeks (default 2)"},
    )
    pulse_k = fields.Integer(
        strict=True,
        validate=validate.Range(3, 1000),
        metadata={"description": "pulse figures need at least k responses (default 5)"},
    )
    fit_check_after_days = fields.Integer(
        strict=True,
        validate=validate.Range(0, 90),
        metadata={
            "description": "the fit check opens this many days after a pairing is activated (default 14; "
            "0 opens it at once); applies to pairings activated after the change"
        },
    )
    survey_questions = fields.List(fields.Nested(QuestionSchema), validate=validate.Length(min=1, max=30))


class OutcomeArgsSchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class SurveyOpenSchema(Schema):
    kind = fields.String(metadata={"description": "fit_check, midpoint or end"})
    due_on = fields.String(metadata={"description": "the day the survey opened (ISO date)"})
    questions = fields.List(fields.Nested(QuestionSchema))
    my_answers = fields.Dict(
        keys=fields.String(), allow_none=True, metadata={"description": "yours, null until you answer"}
    )


class SurveyAnsweredSchema(Schema):
    kind = fields.String()
    answers = fields.Dict(keys=fields.String(), metadata={"description": "question id -> your answer"})


class SurveyRecordSchema(Schema):
    """One side's answers to one milestone survey of a pairing, as the program's admins see them."""

    pairing_id = fields.String()
    program_id = fields.String()
    kind = fields.String()
    side = fields.String(metadata={"description": "leader or junior"})
    participant_id = fields.String()
    answers = fields.Dict(keys=fields.String())
    answered_at = fields.DateTime()


class OutcomePairsSchema(Schema):
    formed = fields.Integer()
    active = fields.Integer()
    ended = fields.Integer()
    ended_early = fields.Integer()


class OutcomeGoalsSchema(Schema):
    set = fields.Integer()
    achieved = fields.Integer()
    attainment_rate = fields.Float(allow_none=True, metadata={"description": "null without goals"})


class OutcomeCheckInsSchema(Schema):
    total = fields.Integer()
    per_pairing = fields.Float(allow_none=True, metadata={"description": "null without formed pairs"})


class OutcomeInsightsSchema(Schema):
    raised = fields.Integer()
    acknowledged = fields.Integer()
    acted_upon = fields.Integer()
    median_days_to_act = fields.Float(allow_none=True)


class OutcomeReportSchema(Schema):
    """The program's figures over its formed pairings and its closed pulses (k rules applied)."""

    program_id = fields.String()
    pairs = fields.Nested(OutcomePairsSchema)
    early_closure_rate = fields.Float(allow_none=True, metadata={"description": "null without formed pairs"})
    early_closure_anchor = fields.Float(metadata={"description": "the rate programs are compared with"})
    goals = fields.Nested(OutcomeGoalsSchema)
    check_ins = fields.Nested(OutcomeCheckInsSchema)
    insights = fields.Nested(OutcomeInsightsSchema)
    at_risk = fields.Integer(metadata={"description": "active pairings at risk now"})
    pulse = fields.List(fields.Nested(PulseResults))

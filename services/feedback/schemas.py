"""HTTP schemas of the feedback API."""

from __future__ import annotations

from marshmallow import Schema, fields

from services.feedback.service import PAIRING_FIELDS


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

"""HTTP schemas of pairings, their decline and end requests, the waitlist and declared conflicts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.contracts import DECLINE_REASONS, PAIRING_STATES
from shared.http import PageQuery, PageSchema, StrictSchema

ID = fields.String


class HistoryEntry(Schema):
    state = fields.String()
    at = fields.DateTime()
    by = fields.String(allow_none=True)
    reason = fields.String()
    decline_reason = fields.String()
    end_kind = fields.String()


class PairingSchema(Schema):
    pairing_id = ID(required=True)
    program_id = ID(required=True)
    leader_id = ID(required=True)
    junior_id = ID(required=True)
    leader_employee_id = fields.String(allow_none=True)
    junior_employee_id = fields.String(allow_none=True)
    match_run_id = ID(allow_none=True)
    score = fields.Float(allow_none=True)
    components = fields.Dict(keys=fields.String(), values=fields.Float(), allow_none=True)
    state = fields.String(validate=validate.OneOf(PAIRING_STATES))
    acceptance = fields.Dict(keys=fields.String(), values=fields.String())
    decline_reason = fields.String(allow_none=True)
    decline_text = fields.String(
        allow_none=True,
        metadata={"description": "what the declining side wrote: kept here only, never published; erased"},
    )
    end_kind = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    history = fields.List(fields.Nested(HistoryEntry))


class PairingQuery(PageQuery):
    program_id = ID(required=True)
    state = fields.String(validate=validate.OneOf(PAIRING_STATES))


class PairingPage(PageSchema):
    items = fields.List(fields.Nested(PairingSchema))


class DeclineRequest(StrictSchema):
    reason = fields.String(required=True, validate=validate.OneOf(DECLINE_REASONS))
    text = fields.String(load_default=None, validate=validate.Length(max=2000))


class EndRequest(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("planned", "early")))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class WaitlistEntry(Schema):
    program_id = ID()
    leader_id = ID()
    reason = fields.String()
    detail = fields.String()
    since = fields.DateTime()
    updated_at = fields.DateTime()
    proposed_in = ID(metadata={"description": "the latest rematch run that proposed a junior"})


class Waitlist(Schema):
    items = fields.List(fields.Nested(WaitlistEntry))


class ConflictRequest(StrictSchema):
    leader_employee_id = fields.String(required=True)
    junior_employee_id = fields.String(required=True)
    detail = fields.String(load_default="", validate=validate.Length(max=500))


class ConflictSchema(ConflictRequest):
    class Meta:
        unknown = "exclude"

    program_id = ID()
    declared_by = fields.String()
    at = fields.DateTime()

"""HTTP schemas of the delivery log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.notifications.domain.delivery import STATES
from services.notifications.domain.message import CHANNELS
from shared.http import StrictSchema


class DeliveryQuery(StrictSchema):
    person = fields.String(metadata={"description": "recipient (employee id, or role:hr)"})
    participant_id = fields.String()
    event = fields.String(metadata={"description": "the cause event's id"})
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    status = fields.String(validate=validate.OneOf(STATES))
    program_id = fields.String()
    cursor = fields.String(metadata={"description": "next_cursor of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class DeliveryView(Schema):
    message_id = fields.String()
    recipient = fields.String()
    participant_id = fields.String(allow_none=True)
    program_id = fields.String(allow_none=True)
    channel = fields.String()
    category = fields.String()
    template = fields.String()
    cause_event_id = fields.String()
    cause_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    error = fields.String(allow_none=True)
    planned_at = fields.DateTime()
    updated_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    resends = fields.Integer()
    resend_of = fields.String(allow_none=True)


class DeliveryPage(Schema):
    items = fields.List(fields.Nested(DeliveryView))
    next_cursor = fields.String(allow_none=True)


class Resent(Schema):
    original_id = fields.String()
    message_id = fields.String()

"""HTTP schemas of a program's chat webhook."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.http import StrictSchema


class ChatWebhookBody(StrictSchema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000))


class ChatWebhookSchema(Schema):
    program_id = fields.String()
    url = fields.String()
    updated_by = fields.String()
    updated_at = fields.DateTime()

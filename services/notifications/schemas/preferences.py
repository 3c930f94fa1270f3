"""HTTP schemas of a person's notification preferences."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.notifications.domain.preferences import PERSONAL_CHANNELS
from services.notifications.domain.routing import CATEGORIES
from shared.contracts.payloads import HHMM_PATTERN, LANGUAGE_TAG_PATTERN
from shared.http import StrictSchema

CHANNEL = fields.String(validate=validate.OneOf(PERSONAL_CHANNELS))


class QuietHoursSchema(StrictSchema):
    start = fields.String(
        required=True, validate=validate.Regexp(HHMM_PATTERN), metadata={"example": "22:00"}
    )
    end = fields.String(required=True, validate=validate.Regexp(HHMM_PATTERN), metadata={"example": "07:00"})


class PreferencesUpdate(StrictSchema):
    """Only the fields given change; mandatory categories must keep every channel."""

    channels = fields.Dict(
        keys=fields.String(validate=validate.OneOf(tuple(CATEGORIES))),
        values=fields.List(CHANNEL),
        metadata={"description": "category -> channels opted in (in_app, email)"},
    )
    locale = fields.String(allow_none=True, validate=validate.Regexp(LANGUAGE_TAG_PATTERN))
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True, metadata={"description": "local time"})
    digest = fields.Boolean(metadata={"description": "hold non-urgent e-mails for one daily digest"})
    digest_hour = fields.Integer(validate=validate.Range(0, 23), metadata={"description": "local hour"})


class PreferencesView(Schema):
    channels = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    mandatory = fields.List(
        fields.String(), metadata={"description": "categories that cannot be switched off"}
    )
    locale = fields.String(allow_none=True)
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True)
    digest = fields.Boolean()
    digest_hour = fields.Integer()
    timezone = fields.String(
        metadata={"description": "IANA zone from intake (quiet hours and digest use it)"}
    )

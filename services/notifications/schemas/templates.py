"""HTTP schemas of template previews."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.notifications.domain.preferences import SUPPORTED_LOCALES
from shared.http import StrictSchema


class PreviewRequest(StrictSchema):
    locale = fields.String(load_default="en", validate=validate.OneOf(SUPPORTED_LOCALES))
    data = fields.Dict(
        load_default=None, allow_none=True, metadata={"description": "template variables; null: its sample"}
    )


class PreviewResponse(Schema):
    template = fields.String()
    locale = fields.String()
    subject = fields.String()
    text = fields.String()
    html = fields.String()

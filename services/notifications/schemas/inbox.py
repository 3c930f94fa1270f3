"""HTTP schemas of the notifications API."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.http import PageQuery, PageSchema


class InboxQuery(PageQuery):
    pass


class DeliverySchema(Schema):
    notification_id = fields.String(attribute="message_id")
    recipient_id = fields.String(attribute="recipient")
    channel = fields.String()
    template = fields.String()
    subject = fields.String()
    body = fields.String(attribute="text")
    cause_event_id = fields.String()
    status = fields.String()
    created_at = fields.DateTime(attribute="planned_at")


class DeliveryPage(PageSchema):
    items = fields.List(fields.Nested(DeliverySchema))

"""HTTP schemas of the in-app inbox."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.http import StrictSchema


class InboxQuery(StrictSchema):
    cursor = fields.String(
        load_default=None, validate=validate.Length(max=80), metadata={"description": "next_cursor of a page"}
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class InboxItem(Schema):
    id = fields.String(metadata={"description": "the item's id (mark it read with it)"})
    program_id = fields.String(allow_none=True)
    template = fields.String()
    category = fields.String()
    subject = fields.String()
    text = fields.String()
    created_at = fields.DateTime()
    read = fields.Boolean()
    read_at = fields.DateTime(allow_none=True)


class InboxPage(Schema):
    items = fields.List(fields.Nested(InboxItem))
    unread = fields.Integer(metadata={"description": "unread items in the whole inbox"})
    next_cursor = fields.String(allow_none=True, metadata={"description": "null on the last page"})


class MarkedRead(Schema):
    marked = fields.Integer()

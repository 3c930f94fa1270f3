"""HTTP schemas of the feedback API."""

from __future__ import annotations

from marshmallow import Schema, fields


class PairingHealthSchema(Schema):
    pairing_id = fields.String()
    program_id = fields.String()
    leader_id = fields.String()
    junior_id = fields.String()
    state = fields.String()

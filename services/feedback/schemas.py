"""HTTP schemas of the feedback API."""

from __future__ import annotations

from marshmallow import Schema, fields

from services.feedback.service import PAIRING_FIELDS

# What feedback holds of a pairing's health today: the pairing's ids and its lifecycle state.
PairingHealthSchema = Schema.from_dict(
    {name: fields.String() for name in (*PAIRING_FIELDS, "state")}, name="PairingHealthSchema"
)

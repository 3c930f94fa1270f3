"""Bodies of the participants' data-key lookup (crypto-shredding: consumers open sealed events with them)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.sealing import LOOKUP_BATCH


class KeyLookupSchema(Schema):
    participant_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=LOOKUP_BATCH),
        metadata={"description": f"the key ids of sealed blocks (participant ids), at most {LOOKUP_BATCH}"},
    )


class KeyLookupResultSchema(Schema):
    keys = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": "base64 AES-256 key by participant id; an erased (or unknown) participant is "
            "left out: their sealed events are shredded"
        },
    )

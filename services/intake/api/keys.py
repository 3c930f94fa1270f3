"""The participants' data keys, for the other services' workers (role ``service``) to open sealed events."""

from __future__ import annotations

import base64

from services.intake.api.common import blp, problems, uow
from services.intake.schemas.keys import KeyLookupResultSchema, KeyLookupSchema
from shared.auth import require_roles


@blp.post("/participant-keys/lookup")
@require_roles("service")
@blp.arguments(KeyLookupSchema())
@blp.response(200, KeyLookupResultSchema)
@problems(401, 403, 422)
def lookup_participant_keys(body: dict) -> dict:
    """Data keys of participants, to open their sealed events

    Personal fields of ``participant.registered|updated.v2`` and ``contact.upserted.v2`` are sealed with
    the participant's own key (crypto-shredding). Consumers keep a key briefly and what they open in
    their own erasable stores; erasure destroys the key, so an erased participant is left out here and
    every copy of their events stays unreadable.
    """
    keys = uow().data_keys.existing(body["participant_ids"])
    return {"keys": {key_id: base64.b64encode(key).decode("ascii") for key_id, key in keys.items()}}

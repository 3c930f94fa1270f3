"""The sealed event types: what intake publishes instead of the v1 types that carried a person in clear.

``participant.registered|updated.v2`` and ``contact.upserted.v2`` keep in clear only the ids consumers
route by (and a participant's status); every other field of the v1 payload travels in ``sealed``, an
AES-256-GCM block under the participant's own data key (``shared.sealing``). Consumers open it and handle
the v1 payload they always did; once the participant is erased the key is gone and no copy of the block,
in any topic or dead-letter topic, can be read again.
"""

from __future__ import annotations

from marshmallow import fields, validate

from shared.contracts.payloads import CONTACTS, ID_LENGTH, PARTICIPANT_STATUSES, PARTICIPANTS, Strict
from shared.messages import PublishedEvent
from shared.sealing import ALGORITHM, SealedForm


class SealedBlock(Strict):
    """Personal fields sealed with the participant's data key; the envelope's ``type`` and ``id`` (as
    ``"<type>\\n<id>"``) are its associated data."""

    key_id = fields.String(
        required=True, validate=ID_LENGTH, metadata={"description": "the participant id whose key sealed it"}
    )
    alg = fields.String(required=True, validate=validate.OneOf((ALGORITHM,)))
    nonce = fields.String(required=True, metadata={"description": "96-bit nonce, base64"})
    ciphertext = fields.String(
        required=True, metadata={"description": "base64 of AES-256-GCM(JSON object of the sealed fields)"}
    )


class SealedParticipantPayload(Strict):
    """Payload of ``mentoring.participant.registered|updated.v2``: the v1 payload (docs/contracts.md,
    Participant) with everything but the ids and the status in ``sealed``."""

    participant_id = fields.String(required=True, validate=ID_LENGTH)
    program_id = fields.String(required=True, validate=ID_LENGTH)
    status = fields.String(required=True, validate=validate.OneOf(PARTICIPANT_STATUSES[:2]))
    sealed = fields.Nested(SealedBlock, required=True)


class SealedContactPayload(Strict):
    """Payload of ``mentoring.contact.upserted.v2``: the ids in clear; ``employee_id``, ``display_name``,
    ``email`` and ``locale`` in ``sealed``."""

    participant_id = fields.String(required=True, validate=ID_LENGTH)
    program_id = fields.String(required=True, validate=ID_LENGTH)
    sealed = fields.Nested(SealedBlock, required=True)


class ParticipantRegisteredSealed(
    PublishedEvent,
    type="mentoring.participant.registered.v2",
    topic=PARTICIPANTS,
    schema=SealedParticipantPayload,
):
    """A participant enrolled; their profile is sealed with their data key (opened: the v1 payload)."""


class ParticipantUpdatedSealed(
    PublishedEvent,
    type="mentoring.participant.updated.v2",
    topic=PARTICIPANTS,
    schema=SealedParticipantPayload,
):
    """Profile fields or status changed; the profile is sealed with the participant's data key."""


class ContactUpsertedSealed(
    PublishedEvent, type="mentoring.contact.upserted.v2", topic=CONTACTS, schema=SealedContactPayload
):
    """How to reach a participant, sealed with their data key (opened: the v1 contact payload)."""


PARTICIPANT_CLEAR = ("participant_id", "program_id", "status")
SEALED_FORMS = (
    SealedForm("mentoring.participant.registered.v1", ParticipantRegisteredSealed.type, PARTICIPANT_CLEAR),
    SealedForm("mentoring.participant.updated.v1", ParticipantUpdatedSealed.type, PARTICIPANT_CLEAR),
    SealedForm("mentoring.contact.upserted.v1", ContactUpsertedSealed.type, ("participant_id", "program_id")),
)

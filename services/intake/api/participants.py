"""Participant routes: enrol, list, read, change, withdraw and come back, consent, and erasure (GDPR)."""

from __future__ import annotations

from services.intake import schemas
from services.intake.api.common import blp, handle, problems, result, uow
from services.intake.domain import ParticipantRecorded
from services.intake.service import commands, queries
from shared.auth import current_principal, require_roles
from shared.http import page_of, skip_limit
from shared.messages import Command


def _participant(command: Command) -> dict:
    return result(handle(command), ParticipantRecorded).record


@blp.post("/participants")
@require_roles("admin", "hr", "participant")
@blp.arguments(schemas.ParticipantCreateSchema())  # an instance: a class would be rebuilt for every request
@blp.response(201, schemas.ParticipantSchema)
@problems(401, 403, 404, 409, 422)
def register_participant(body: dict) -> dict:
    """Enrol a leader or junior in a program

    hr and the program's admins enrol anyone; a participant enrols only themself. Emits
    ``mentoring.participant.registered.v1``; intake's worker then adds a new or changed reporting line to
    the org chart (``mentoring.orgchart.employee_upserted.v1``). Contact details (``display_name``,
    ``email``, ``locale``; optional) are not in that event: when given they are published as
    ``mentoring.contact.upserted.v1`` on the compacted ``mentoring.contacts.v1`` topic.
    """
    return _participant(commands.RegisterParticipant(body, current_principal()))


@blp.get("/participants")
@require_roles("admin", "hr", "service")
@blp.arguments(schemas.ParticipantListArgsSchema, location="query")
@blp.response(200, schemas.ParticipantPageSchema)
@problems(401, 403, 422)
def list_participants(query: dict) -> dict:
    """List participants by program, role, status or employee (paginated)"""
    skip, limit = skip_limit(query)
    items, total = queries.list_participants(uow(), query, skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/participants/<participant_id>")
@require_roles("admin", "hr", "participant", "service")
@blp.response(200, schemas.ParticipantSchema)
@problems(401, 403, 404)
def get_participant(participant_id: str) -> dict:
    """Read one participant

    A participant sees only their own profile; anyone else's is a 404.
    """
    return queries.get_participant(uow(), participant_id, current_principal())


@blp.patch("/participants/<participant_id>")
@require_roles("admin", "hr", "participant")
@blp.arguments(schemas.ParticipantUpdateSchema)
@blp.response(200, schemas.ParticipantSchema)
@problems(401, 403, 404, 409, 422)
def update_participant(body: dict, participant_id: str) -> dict:
    """Change a participant's profile or contact details

    The participant themself, hr or the program's admins. Emits ``mentoring.participant.updated.v1``
    when a profile field changed and ``mentoring.contact.upserted.v1`` (compacted contacts topic) when
    ``display_name``, ``email`` or ``locale`` changed; nothing when nothing changed. ``null`` clears a
    contact detail.
    """
    return _participant(commands.UpdateParticipant(participant_id, body, current_principal()))


@blp.post("/participants/<participant_id>/withdraw")
@require_roles("admin", "hr", "participant")
@blp.arguments(schemas.WithdrawSchema)
@blp.response(200, schemas.ParticipantSchema)
@problems(401, 403, 404, 409, 422)
def withdraw_participant(body: dict, participant_id: str) -> dict:
    """Withdraw from the program

    The profile is kept so the participant can re-enrol; the reason stays in intake. Emits
    ``mentoring.participant.withdrawn.v1`` (ids only).
    """
    return _participant(commands.WithdrawParticipant(participant_id, body.get("reason"), current_principal()))


@blp.post("/participants/<participant_id>/reenrol")
@require_roles("admin", "hr", "participant")
@blp.response(200, schemas.ParticipantSchema)
@problems(401, 403, 404, 409)
def reenrol_participant(participant_id: str) -> dict:
    """Re-enrol after withdrawing

    Needs consent to matching and an open program. Emits ``mentoring.participant.updated.v1``.
    """
    return _participant(commands.ReenrolParticipant(participant_id, current_principal()))


@blp.put("/participants/<participant_id>/consent")
@require_roles("admin", "hr", "participant")
@blp.arguments(schemas.ConsentUpdateSchema)
@blp.response(200, schemas.ParticipantSchema)
@problems(401, 403, 404, 409, 422)
def update_consent(body: dict, participant_id: str) -> dict:
    """Change consent

    ``matching: false`` withdraws the participant; ``data_processing: false`` erases them (as DELETE).
    """
    return _participant(commands.ChangeConsent(participant_id, body, current_principal()))


@blp.delete("/participants/<participant_id>")
@require_roles("admin", "hr", "participant")
@blp.response(200, schemas.ParticipantSchema)
@problems(401, 403, 404)
def erase_participant(participant_id: str) -> dict:
    """Erase a participant (GDPR)

    Every personal field, contact details included, is deleted; only the ids and the status remain. Emits
    ``mentoring.participant.erased.v1`` (ids only), which every service honours, and
    ``mentoring.contact.erased.v1`` (ids only) as the last record of the person on the compacted contacts
    topic. Repeating it is harmless.
    """
    return _participant(commands.EraseParticipant(participant_id, current_principal()))


@blp.post("/participants/<participant_id>/erase")
@require_roles("admin", "hr", "participant")
@blp.response(200, schemas.ParticipantSchema)
@problems(401, 403, 404)
def erase_participant_by_post(participant_id: str) -> dict:
    """Erase a participant (GDPR), for clients that cannot send DELETE

    Same as ``DELETE /v1/participants/{participant_id}``.
    """
    return _participant(commands.EraseParticipant(participant_id, current_principal()))

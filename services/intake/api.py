"""Intake's HTTP routes: parse, call a use case, respond."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from services.intake import schemas
from services.intake.service import IntakeService
from shared.auth import current_principal, require_roles
from shared.http import page_of, skip_limit

blp = Blueprint("intake", __name__, url_prefix="/v1", description="Programs and the people enrolled in them")


def _service() -> IntakeService:
    return current_app.extensions["intake_service"]


@blp.post("/programs")
@blp.arguments(schemas.ProgramCreateSchema)
@blp.response(201, schemas.ProgramSchema)
@require_roles("admin")
def create_program(body: dict) -> dict:
    """Create a program in draft; the caller becomes an admin unless admins are given."""
    return _service().create_program(body, current_principal())


@blp.get("/programs")
@blp.arguments(schemas.ProgramListArgsSchema, location="query")
@blp.response(200, schemas.ProgramPageSchema)
@require_roles("admin", "hr", "service")
def list_programs(query: dict) -> dict:
    skip, limit = skip_limit(query)
    items, total = _service().list_programs(query.get("status"), skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/programs/<program_id>")
@blp.response(200, schemas.ProgramSchema)
@require_roles("admin", "hr", "participant", "service")
def get_program(program_id: str) -> dict:
    return _service().get_program(program_id)


@blp.patch("/programs/<program_id>")
@blp.arguments(schemas.ProgramUpdateSchema)
@blp.response(200, schemas.ProgramSchema)
@require_roles("admin")
def update_program(body: dict, program_id: str) -> dict:
    """Change settings; ``rules`` merge key by key. Closed programs refuse (409)."""
    return _service().update_program(program_id, body, current_principal())


@blp.post("/programs/<program_id>/status")
@blp.arguments(schemas.StatusTransitionSchema)
@blp.response(200, schemas.ProgramSchema)
@require_roles("admin")
def transition_program(body: dict, program_id: str) -> dict:
    """draft → enrolling → matching → running → closed; anything else is a 409."""
    return _service().transition_program(program_id, body["status"], current_principal())


@blp.post("/participants")
@blp.arguments(schemas.ParticipantCreateSchema)
@blp.response(201, schemas.ParticipantSchema)
@require_roles("admin", "hr", "participant")
def register_participant(body: dict) -> dict:
    """Enrol a leader or junior; emits mentoring.participant.registered.v1."""
    return _service().register_participant(body, current_principal())


@blp.get("/participants")
@blp.arguments(schemas.ParticipantListArgsSchema, location="query")
@blp.response(200, schemas.ParticipantPageSchema)
@require_roles("admin", "hr", "service")
def list_participants(query: dict) -> dict:
    skip, limit = skip_limit(query)
    items, total = _service().list_participants(query, skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/participants/<participant_id>")
@blp.response(200, schemas.ParticipantSchema)
@require_roles("admin", "hr", "participant", "service")
def get_participant(participant_id: str) -> dict:
    """A participant sees only their own profile (anyone else's is a 404)."""
    return _service().get_participant(participant_id, current_principal())


@blp.patch("/participants/<participant_id>")
@blp.arguments(schemas.ParticipantUpdateSchema)
@blp.response(200, schemas.ParticipantSchema)
@require_roles("admin", "hr", "participant")
def update_participant(body: dict, participant_id: str) -> dict:
    return _service().update_participant(participant_id, body, current_principal())

"""Matching's HTTP routes: the projections it matches from (read-only)."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from services.matching.schemas import (
    ParticipantPage,
    ParticipantQuery,
    ProjectedParticipant,
    ProjectedProgram,
)
from services.matching.store import ProjectionStore
from shared.auth import require_roles
from shared.errors import NotFound
from shared.http import page_of, skip_limit

blp = Blueprint("matching", __name__, url_prefix="/v1", description="Match runs, pairings and their inputs")


def _store() -> ProjectionStore:
    return current_app.extensions["projection_store"]


@blp.get("/participants")
@blp.arguments(ParticipantQuery, location="query")
@blp.response(200, ParticipantPage)
@require_roles("admin", "hr", "service")
def list_participants(query: dict) -> dict:
    """Participants as matching knows them (built only from intake's events)."""
    skip, limit = skip_limit(query)
    items, total = _store().participants(query.get("program_id"), query.get("role"), skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/participants/<participant_id>")
@blp.response(200, ProjectedParticipant)
@require_roles("admin", "hr", "service")
def get_participant(participant_id: str) -> dict:
    participant = _store().participant(participant_id)
    if participant is None or participant.get("status") == "erased":
        raise NotFound(f"participant {participant_id} is not known to matching")
    return participant


@blp.get("/programs/<program_id>")
@blp.response(200, ProjectedProgram)
@require_roles("admin", "hr", "service")
def get_program(program_id: str) -> dict:
    program = _store().program(program_id)
    if program is None:
        raise NotFound(f"program {program_id} is not known to matching")
    return program

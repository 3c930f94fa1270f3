"""Intake's HTTP routes: parse, authorise, build a command, ``bus.handle`` it and answer with what the
returned events say (reads go to ``service.queries``); every error documented as problem+json."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

from services.intake import schemas
from services.intake.domain import (
    DomainEvent,
    ImportCompleted,
    OrgChartUploaded,
    ParticipantRecorded,
    ProgramPurged,
    ProgramRecorded,
)
from services.intake.service import commands, queries
from shared.auth import current_principal, require_roles
from shared.http import page_of, skip_limit
from shared.messages import Command
from shared.openapi import problem_responses

blp = Blueprint("intake", __name__, url_prefix="/v1", description="Programs and the people enrolled in them")

# A 10,000-row people CSV is ~2 MB and a 100,000-person org chart ~3 MB: above the API-wide body limit.
BULK_BODY_LIMIT = 20 * 1024 * 1024
PROBLEMS = {
    401: "Missing or invalid bearer token",
    403: "The caller's roles do not allow this",
    404: "No such resource (or not yours to see)",
    409: "The resource's current state refuses this",
    413: "Request body too large",
    422: "Invalid input; `errors` names every bad field",
}


_problems = problem_responses(blp, PROBLEMS)


def _body_limit(limit: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Raise the request body limit for one route; must sit above the argument parser."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            request.max_content_length = limit
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _handle(command: Command) -> list[DomainEvent]:
    return current_app.extensions["intake_bus"].handle(command)


def _uow() -> Any:
    return current_app.extensions["intake_bus"].uow


def _result(events: list[DomainEvent], kind: type[DomainEvent]) -> Any:
    """The one result event of ``kind`` a command returned (its state as the command left it)."""
    return next(event for event in events if isinstance(event, kind))


def _program(command: Command) -> dict:
    return queries.program_view(_result(_handle(command), ProgramRecorded).record)


def _participant(command: Command) -> dict:
    return _result(_handle(command), ParticipantRecorded).record


# -- programs -----------------------------------------------------------------------------------------


@blp.post("/programs")
@require_roles("admin")
@blp.arguments(schemas.ProgramCreateSchema)
@blp.response(201, schemas.ProgramSchema)
@_problems(401, 403, 422)
def create_program(body: dict) -> dict:
    """Create a program in draft

    The caller becomes its admin unless ``admins`` is given. Emits ``mentoring.program.created.v1``.
    """
    return _program(commands.CreateProgram(body, current_principal()))


@blp.get("/programs")
@require_roles("admin", "hr", "service")
@blp.arguments(schemas.ProgramListArgsSchema, location="query")
@blp.response(200, schemas.ProgramPageSchema)
@_problems(401, 403, 422)
def list_programs(query: dict) -> dict:
    """List programs, optionally by status (paginated)"""
    skip, limit = skip_limit(query)
    items, total = queries.list_programs(_uow(), query.get("status"), skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/programs/<program_id>")
@require_roles("admin", "hr", "participant", "service")
@blp.response(200, schemas.ProgramSchema)
@_problems(401, 403, 404)
def get_program(program_id: str) -> dict:
    """Read one program"""
    return queries.get_program(_uow(), program_id)


@blp.patch("/programs/<program_id>")
@require_roles("admin")
@blp.arguments(schemas.ProgramUpdateSchema)
@blp.response(200, schemas.ProgramSchema)
@_problems(401, 403, 404, 409, 422)
def update_program(body: dict, program_id: str) -> dict:
    """Change a program's settings (its admins only)

    ``rules`` merge key by key. Closed programs refuse (409). Emits ``mentoring.program.updated.v1``.
    """
    return _program(commands.UpdateProgram(program_id, body, current_principal()))


@blp.post("/programs/<program_id>/status")
@require_roles("admin")
@blp.arguments(schemas.StatusTransitionSchema)
@blp.response(200, schemas.ProgramSchema)
@_problems(401, 403, 404, 409, 422)
def transition_program(body: dict, program_id: str) -> dict:
    """Move a program along its lifecycle (its admins only)

    draft → enrolling → matching → running → closed (matching may reopen enrolling; anything not yet
    running may be closed). Any other move is a 409. Emits ``mentoring.program.status_changed.v1``.
    """
    return _program(commands.TransitionProgram(program_id, body["status"], current_principal()))


@blp.post("/programs/<program_id>/purge")
@require_roles("admin")
@blp.response(200, schemas.PurgeReportSchema)
@_problems(401, 403, 404, 409)
def purge_program(program_id: str) -> dict:
    """Erase a closed program's participants now (its admins only)

    The worker does the same by itself once ``RETENTION_DAYS`` have passed since closing. Each participant
    is erased as by ``DELETE /v1/participants/{id}``. A program that is not closed is a 409.
    """
    purged = _result(_handle(commands.PurgeProgram(program_id, current_principal())), ProgramPurged)
    return {"program_id": program_id, "erased": purged.erased, "purged_at": purged.purged_at}


@blp.post("/programs/<program_id>/imports")
@require_roles("hr", "admin")
@_body_limit(BULK_BODY_LIMIT)
@blp.arguments(schemas.ImportUploadSchema, location="files")
@blp.response(200, schemas.ImportReportSchema)
@_problems(401, 403, 404, 409, 413, 422)
def import_participants(files: dict, program_id: str) -> dict:
    """Import participants from a CSV file (hr or the program's admins)

    Every row is validated; the report lists accepted, updated, unchanged and rejected rows (row number,
    field, reason). Upserts by employee id: re-importing the same file changes nothing and emits no events.
    A ``manager_id`` column feeds the org chart. Columns: see ``services/intake/domain/importer.py``.
    """
    command = commands.ImportParticipants(program_id, files["file"].read(), current_principal())
    return _result(_handle(command), ImportCompleted).report


# -- participants -------------------------------------------------------------------------------------


@blp.post("/participants")
@require_roles("admin", "hr", "participant")
@blp.arguments(schemas.ParticipantCreateSchema())  # an instance: a class would be rebuilt for every request
@blp.response(201, schemas.ParticipantSchema)
@_problems(401, 403, 404, 409, 422)
def register_participant(body: dict) -> dict:
    """Enrol a leader or junior in a program

    hr and the program's admins enrol anyone; a participant enrols only themself. Emits
    ``mentoring.participant.registered.v1``; intake's worker then adds a new or changed reporting line to
    the org chart (``mentoring.orgchart.employee_upserted.v1``).
    """
    return _participant(commands.RegisterParticipant(body, current_principal()))


@blp.get("/participants")
@require_roles("admin", "hr", "service")
@blp.arguments(schemas.ParticipantListArgsSchema, location="query")
@blp.response(200, schemas.ParticipantPageSchema)
@_problems(401, 403, 422)
def list_participants(query: dict) -> dict:
    """List participants by program, role, status or employee (paginated)"""
    skip, limit = skip_limit(query)
    items, total = queries.list_participants(_uow(), query, skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/participants/<participant_id>")
@require_roles("admin", "hr", "participant", "service")
@blp.response(200, schemas.ParticipantSchema)
@_problems(401, 403, 404)
def get_participant(participant_id: str) -> dict:
    """Read one participant

    A participant sees only their own profile; anyone else's is a 404.
    """
    return queries.get_participant(_uow(), participant_id, current_principal())


@blp.patch("/participants/<participant_id>")
@require_roles("admin", "hr", "participant")
@blp.arguments(schemas.ParticipantUpdateSchema)
@blp.response(200, schemas.ParticipantSchema)
@_problems(401, 403, 404, 409, 422)
def update_participant(body: dict, participant_id: str) -> dict:
    """Change a participant's profile

    The participant themself, hr or the program's admins. Emits ``mentoring.participant.updated.v1``
    when something changed.
    """
    return _participant(commands.UpdateParticipant(participant_id, body, current_principal()))


@blp.post("/participants/<participant_id>/withdraw")
@require_roles("admin", "hr", "participant")
@blp.arguments(schemas.WithdrawSchema)
@blp.response(200, schemas.ParticipantSchema)
@_problems(401, 403, 404, 409, 422)
def withdraw_participant(body: dict, participant_id: str) -> dict:
    """Withdraw from the program

    The profile is kept so the participant can re-enrol; the reason stays in intake. Emits
    ``mentoring.participant.withdrawn.v1`` (ids only).
    """
    return _participant(commands.WithdrawParticipant(participant_id, body.get("reason"), current_principal()))


@blp.post("/participants/<participant_id>/reenrol")
@require_roles("admin", "hr", "participant")
@blp.response(200, schemas.ParticipantSchema)
@_problems(401, 403, 404, 409)
def reenrol_participant(participant_id: str) -> dict:
    """Re-enrol after withdrawing

    Needs consent to matching and an open program. Emits ``mentoring.participant.updated.v1``.
    """
    return _participant(commands.ReenrolParticipant(participant_id, current_principal()))


@blp.put("/participants/<participant_id>/consent")
@require_roles("admin", "hr", "participant")
@blp.arguments(schemas.ConsentUpdateSchema)
@blp.response(200, schemas.ParticipantSchema)
@_problems(401, 403, 404, 409, 422)
def update_consent(body: dict, participant_id: str) -> dict:
    """Change consent

    ``matching: false`` withdraws the participant; ``data_processing: false`` erases them (as DELETE).
    """
    return _participant(commands.ChangeConsent(participant_id, body, current_principal()))


@blp.delete("/participants/<participant_id>")
@require_roles("admin", "hr", "participant")
@blp.response(200, schemas.ParticipantSchema)
@_problems(401, 403, 404)
def erase_participant(participant_id: str) -> dict:
    """Erase a participant (GDPR)

    Every personal field is deleted; only the ids and the status remain. Emits
    ``mentoring.participant.erased.v1`` (ids only), which every service honours. Repeating it is harmless.
    """
    return _participant(commands.EraseParticipant(participant_id, current_principal()))


@blp.post("/participants/<participant_id>/erase")
@require_roles("admin", "hr", "participant")
@blp.response(200, schemas.ParticipantSchema)
@_problems(401, 403, 404)
def erase_participant_by_post(participant_id: str) -> dict:
    """Erase a participant (GDPR), for clients that cannot send DELETE

    Same as ``DELETE /v1/participants/{participant_id}``.
    """
    return _participant(commands.EraseParticipant(participant_id, current_principal()))


# -- org chart ----------------------------------------------------------------------------------------


@blp.put("/orgchart")
@require_roles("hr")
@_body_limit(BULK_BODY_LIMIT)
@blp.arguments(schemas.OrgChartUploadSchema)
@blp.doc(requestBody={"content": {"application/json": {"schema": schemas.ORGCHART_UPLOAD_DOC}}})
@blp.response(200, schemas.OrgChartUploadReportSchema)
@_problems(401, 403, 413, 422)
def replace_orgchart(body: dict) -> dict:
    """Upload the whole organisation's reporting lines (hr)

    ``{employee_id: manager_id or null}``. New or changed lines emit
    ``mentoring.orgchart.employee_upserted.v1``; unchanged ones emit nothing. Cycles and unknown
    managers are reported in ``problems``, not refused.
    """
    return _result(_handle(commands.UploadOrgChart(body)), OrgChartUploaded).report


@blp.get("/orgchart/problems")
@require_roles("hr", "admin")
@blp.response(200, schemas.OrgChartProblemsSchema)
@_problems(401, 403)
def orgchart_problems() -> dict:
    """Report reporting cycles and managers missing from the org chart"""
    return queries.orgchart_problems(_uow())

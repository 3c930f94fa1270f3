"""Program routes: create, list, read, change, move along the lifecycle and purge (HR's people import of a
program: ``imports``)."""

from __future__ import annotations

from services.intake import schemas
from services.intake.api.common import blp, handle, problems, result, uow
from services.intake.domain import ProgramPurged, ProgramRecorded
from services.intake.service import commands, queries
from shared.auth import current_principal, require_roles
from shared.http import page_of, skip_limit
from shared.messages import Command


def _program(command: Command) -> dict:
    return queries.program_view(result(handle(command), ProgramRecorded).record)


@blp.post("/programs")
@require_roles("admin")
@blp.arguments(schemas.ProgramCreateSchema)
@blp.response(201, schemas.ProgramSchema)
@problems(401, 403, 422)
def create_program(body: dict) -> dict:
    """Create a program in draft

    The caller becomes its admin unless ``admins`` is given. Emits ``mentoring.program.created.v1``.
    """
    return _program(commands.CreateProgram(body, current_principal()))


@blp.get("/programs")
@require_roles("admin", "hr", "service")
@blp.arguments(schemas.ProgramListArgsSchema, location="query")
@blp.response(200, schemas.ProgramPageSchema)
@problems(401, 403, 422)
def list_programs(query: dict) -> dict:
    """List programs, optionally by status (paginated)"""
    skip, limit = skip_limit(query)
    items, total = queries.list_programs(uow(), query.get("status"), skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/programs/<program_id>")
@require_roles("admin", "hr", "participant", "service")
@blp.response(200, schemas.ProgramSchema)
@problems(401, 403, 404)
def get_program(program_id: str) -> dict:
    """Read one program"""
    return queries.get_program(uow(), program_id)


@blp.patch("/programs/<program_id>")
@require_roles("admin")
@blp.arguments(schemas.ProgramUpdateSchema)
@blp.response(200, schemas.ProgramSchema)
@problems(401, 403, 404, 409, 422)
def update_program(body: dict, program_id: str) -> dict:
    """Change a program's settings (its admins only)

    ``rules`` merge key by key. Closed programs refuse (409). Emits ``mentoring.program.updated.v1``.
    """
    return _program(commands.UpdateProgram(program_id, body, current_principal()))


@blp.post("/programs/<program_id>/status")
@require_roles("admin")
@blp.arguments(schemas.StatusTransitionSchema)
@blp.response(200, schemas.ProgramSchema)
@problems(401, 403, 404, 409, 422)
def transition_program(body: dict, program_id: str) -> dict:
    """Move a program along its lifecycle (its admins only)

    draft → enrolling → matching → running → closed (matching may reopen enrolling; anything not yet
    running may be closed). Any other move is a 409. Emits ``mentoring.program.status_changed.v1``.
    """
    return _program(commands.TransitionProgram(program_id, body["status"], current_principal()))


@blp.post("/programs/<program_id>/purge")
@require_roles("admin")
@blp.response(200, schemas.PurgeReportSchema)
@problems(401, 403, 404, 409)
def purge_program(program_id: str) -> dict:
    """Erase a closed program's participants now (its admins only)

    The worker does the same by itself once ``RETENTION_DAYS`` have passed since closing. Each participant
    is erased as by ``DELETE /v1/participants/{id}``. A program that is not closed is a 409.
    """
    purged = result(handle(commands.PurgeProgram(program_id, current_principal())), ProgramPurged)
    return {"program_id": program_id, "erased": purged.erased, "purged_at": purged.purged_at}

"""Matching's HTTP routes: parse, call a use case, respond (nothing else)."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from services.matching import schemas
from services.matching.service import MatchingService
from services.matching.store import ProjectionStore
from shared.auth import current_principal, require_roles
from shared.errors import NotFound
from shared.http import page_of, skip_limit
from shared.openapi import problem_responses

blp = Blueprint("matching", __name__, url_prefix="/v1", description="Match runs, pairings and their inputs")

PROBLEMS = {
    401: "missing or invalid bearer token",
    403: "the caller lacks the role, or is not an admin of the program",
    404: "unknown program, match run, pairing or participant (also: not your pairing)",
    409: "refused in the current state (`code` says why)",
    422: "invalid input; `errors` names each field",
}


problems = problem_responses(blp, PROBLEMS)


def _store() -> ProjectionStore:
    return current_app.extensions["projection_store"]


def _service() -> MatchingService:
    return current_app.extensions["matching_service"]


# -- projections ------------------------------------------------------------------------------------
@blp.get("/participants")
@blp.arguments(schemas.ParticipantQuery, location="query")
@blp.response(200, schemas.ParticipantPage)
@problems(401, 403, 422)
@require_roles("admin", "hr", "service")
def list_participants(query: dict) -> dict:
    """Participants as matching knows them (built only from intake's events)."""
    skip, limit = skip_limit(query)
    items, total = _store().participants(query.get("program_id"), query.get("role"), skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/participants/<participant_id>")
@blp.response(200, schemas.ProjectedParticipant)
@problems(401, 403, 404)
@require_roles("admin", "hr", "service")
def get_participant(participant_id: str) -> dict:
    participant = _store().participant(participant_id)
    if participant is None or participant.get("status") == "erased":
        raise NotFound(f"participant {participant_id} is not known to matching")
    return participant


@blp.get("/programs/<program_id>")
@blp.response(200, schemas.ProjectedProgram)
@problems(401, 403, 404)
@require_roles("admin", "hr", "service")
def get_program(program_id: str) -> dict:
    program = _store().program(program_id)
    if program is None:
        raise NotFound(f"program {program_id} is not known to matching")
    return program


# -- match runs -------------------------------------------------------------------------------------
@blp.post("/programs/<program_id>/match-runs")
@blp.arguments(schemas.MatchRunRequest)
@blp.response(201, schemas.MatchRunSchema)
@problems(401, 403, 404, 409, 422)
@require_roles("admin")
def start_match_run(body: dict, program_id: str) -> dict:
    """Run the matching engine on the program's cohort (admins of the program).

    Proposals come with their explanation, unmatched leaders with the reason, dry runs with the diff
    against current pairings. One run per program at a time (409 `run_in_progress`).
    """
    return _service().start_match_run(
        program_id,
        current_principal(),
        dry_run=body["dry_run"],
        seed=body["seed"],
        weights=body.get("weights"),
        expected_leaders=body.get("expected_leaders"),
        expected_juniors=body.get("expected_juniors"),
    )


@blp.get("/programs/<program_id>/match-runs")
@blp.arguments(schemas.PageQuery, location="query")
@blp.response(200, schemas.MatchRunPage)
@problems(401, 403, 404, 422)
@require_roles("admin")
def list_match_runs(query: dict, program_id: str) -> dict:
    """The program's runs, newest first (admin runs and automatic rematches)."""
    skip, limit = skip_limit(query)
    items, total = _service().list_runs(program_id, current_principal(), skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/match-runs/<run_id>")
@blp.response(200, schemas.MatchRunSchema)
@problems(401, 403, 404)
@require_roles("admin")
def get_match_run(run_id: str) -> dict:
    return _service().get_run(run_id, current_principal())


@blp.get("/match-runs/<run_id>/explain")
@blp.arguments(schemas.ExplainQuery, location="query")
@blp.response(200, schemas.ExplanationSchema)
@problems(401, 403, 404, 422)
@require_roles("admin")
def explain(query: dict, run_id: str) -> dict:
    """Why (not) this pair: its score components, or every hard constraint that forbids it."""
    return _service().explain(run_id, query["leader"], query["junior"], current_principal())


@blp.post("/match-runs/<run_id>/overrides")
@blp.arguments(schemas.OverrideRequest)
@blp.response(200, schemas.MatchRunSchema)
@problems(401, 403, 404, 409, 422)
@require_roles("admin")
def override(body: dict, run_id: str) -> dict:
    """Admin review: assign, swap or unassign by hand before publishing.

    A result that breaks a hard constraint needs `reason` (422 naming `reason` otherwise); every
    override is audited in the run's `overrides`.
    """
    return _service().override(run_id, current_principal(), **body)


@blp.post("/match-runs/<run_id>/publish")
@blp.response(200, schemas.MatchRunSchema)
@problems(401, 403, 404, 409)
@require_roles("admin")
def publish(run_id: str) -> dict:
    """Publish every proposal (`mentoring.pairing.published.v1` each); unmatched leaders are waitlisted."""
    return _service().publish(run_id, current_principal())


# -- pairings ---------------------------------------------------------------------------------------
@blp.get("/pairings")
@blp.arguments(schemas.PairingQuery, location="query")
@blp.response(200, schemas.PairingPage)
@problems(401, 403, 404, 422)
@require_roles("admin", "participant")
def list_pairings(query: dict) -> dict:
    """Admins of the program see every pairing; participants see their own."""
    skip, limit = skip_limit(query)
    items, total = _service().list_pairings(
        query["program_id"], current_principal(), query.get("state"), skip, limit
    )
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/pairings/<pairing_id>")
@blp.response(200, schemas.PairingSchema)
@problems(401, 403, 404)
@require_roles("admin", "participant")
def get_pairing(pairing_id: str) -> dict:
    return _service().get_pairing(pairing_id, current_principal())


@blp.post("/pairings/<pairing_id>/accept")
@blp.response(200, schemas.PairingSchema)
@problems(401, 403, 404, 409)
@require_roles("participant")
def accept(pairing_id: str) -> dict:
    """Accept your own pairing; when both have accepted it becomes active."""
    return _service().accept(pairing_id, current_principal())


@blp.post("/pairings/<pairing_id>/decline")
@blp.arguments(schemas.DeclineRequest)
@blp.response(200, schemas.PairingSchema)
@problems(401, 403, 404, 409, 422)
@require_roles("participant")
def decline(body: dict, pairing_id: str) -> dict:
    """Decline your own pairing with a reason from the list (+ free text): the pair is excluded from
    then on and the leader goes on the waitlist."""
    return _service().decline(pairing_id, current_principal(), body["reason"], body.get("text"))


@blp.post("/pairings/<pairing_id>/end")
@blp.arguments(schemas.EndRequest)
@blp.response(200, schemas.PairingSchema)
@problems(401, 403, 404, 409, 422)
@require_roles("admin", "participant")
def end(body: dict, pairing_id: str) -> dict:
    """End a live pairing, planned or early, with a reason (admins of the program or either side)."""
    return _service().end(pairing_id, current_principal(), body["kind"], body["reason"])


@blp.get("/programs/<program_id>/waitlist")
@blp.response(200, schemas.Waitlist)
@problems(401, 403, 404)
@require_roles("admin")
def waitlist(program_id: str) -> dict:
    """Leaders waiting for a junior, oldest first, with why they wait."""
    return {"items": _service().waitlist(program_id, current_principal())}


@blp.post("/programs/<program_id>/conflicts")
@blp.arguments(schemas.ConflictRequest)
@blp.response(201, schemas.ConflictSchema)
@problems(401, 403, 404, 422)
@require_roles("admin")
def add_conflict(body: dict, program_id: str) -> dict:
    """Declare that a leader and a junior must never be paired (an exclusion every later run honours)."""
    return _service().add_conflict(program_id, current_principal(), body)

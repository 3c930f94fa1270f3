"""Matching's HTTP routes: authorise, parse, build a command for the bus (or call a query), respond."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint

from services.matching import schemas
from services.matching.service import ConflictDeclared, MatchRunRecorded, PairingRecorded, queries
from services.matching.service import commands as c
from services.matching.service.access import run_view
from shared.app import current_bus
from shared.auth import current_principal, require_roles
from shared.bus import MessageBus
from shared.http import page_of, skip_limit
from shared.messages import Command, DomainEvent
from shared.openapi import problem_responses

blp = Blueprint("matching", __name__, url_prefix="/v1", description="Match runs, pairings and their inputs")

PROBLEMS = {
    401: "missing or invalid bearer token (checked before the body or query is parsed)",
    403: "the caller lacks the role, or is not an admin of the program",
    404: "unknown program, match run, pairing or participant (also: not your pairing)",
    409: "refused in the current state (`code` says why)",
    422: "invalid input; `errors` names each field",
}
problems = problem_responses(blp, PROBLEMS)


def _bus() -> MessageBus:
    return current_bus()


def _uow():
    return _bus().uow


def _handle(command: Command) -> list[DomainEvent]:
    return _bus().handle(command)


def _run(events: Iterable[DomainEvent], status: int = 200) -> tuple[Response, int]:
    """The run as stored by the command (the ``MatchRunRecorded`` it returned)."""
    recorded = next(e for e in events if isinstance(e, MatchRunRecorded))
    return _run_response(run_view(recorded.run.to_record()), status)


def _run_response(view: dict[str, Any], status: int = 200) -> tuple[Response, int]:
    """A run dumped in one pass (``schemas.dump_match_run``, the same output as the documented
    ``MatchRunSchema``): a run carries thousands of proposals."""
    return jsonify(schemas.dump_match_run(view)), status


def _pairing(events: Iterable[DomainEvent]) -> dict[str, Any]:
    recorded = next(e for e in events if isinstance(e, PairingRecorded))
    return queries.pairing_view(recorded.pairing)


# -- projections ------------------------------------------------------------------------------------
@blp.get("/participants")
@require_roles("admin", "hr", "service")
@blp.arguments(schemas.ParticipantQuery, location="query")
@blp.response(200, schemas.ParticipantPage)
@problems(401, 403, 422)
def list_participants(query: dict) -> dict:
    """Participants as matching knows them (built only from intake's events)."""
    skip, limit = skip_limit(query)
    items, total = queries.participants(_uow(), query.get("program_id"), query.get("role"), skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/participants/<participant_id>")
@require_roles("admin", "hr", "service")
@blp.response(200, schemas.ProjectedParticipant)
@problems(401, 403, 404)
def get_participant(participant_id: str) -> dict:
    return queries.participant(_uow(), participant_id)


@blp.get("/programs/<program_id>")
@require_roles("admin", "hr", "service")
@blp.response(200, schemas.ProjectedProgram)
@problems(401, 403, 404)
def get_program(program_id: str) -> dict:
    return queries.program(_uow(), program_id)


# -- match runs -------------------------------------------------------------------------------------
@blp.post("/programs/<program_id>/match-runs")
@require_roles("admin")
@blp.arguments(schemas.MatchRunRequest)
@blp.response(201, schemas.MatchRunSchema)
@problems(401, 403, 404, 409, 422)
def start_match_run(body: dict, program_id: str) -> tuple[Response, int]:
    """Run the matching engine on the program's cohort (admins of the program).

    Proposals come with their explanation, unmatched leaders with the reason, dry runs with the diff
    against current pairings. One run per program at a time (409 `run_in_progress`). A real run needs
    the program in `matching` or `running` (409 `program_status` while it is still `enrolling`: the
    cohort is not complete yet); a dry run is allowed in any status.
    """
    command = c.StartMatchRun(
        program_id,
        current_principal(),
        dry_run=body["dry_run"],
        seed=body["seed"],
        weights=body.get("weights"),
        expected_leaders=body.get("expected_leaders"),
        expected_juniors=body.get("expected_juniors"),
    )
    return _run(_handle(command), 201)


@blp.get("/programs/<program_id>/match-runs")
@require_roles("admin")
@blp.arguments(schemas.PageQuery, location="query")
@blp.response(200, schemas.MatchRunPage)
@problems(401, 403, 404, 422)
def list_match_runs(query: dict, program_id: str) -> dict:
    """The program's runs, newest first (admin runs and automatic rematches)."""
    skip, limit = skip_limit(query)
    items, total = queries.runs(_uow(), program_id, current_principal(), skip, limit)
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/match-runs/<run_id>")
@require_roles("admin")
@blp.response(200, schemas.MatchRunSchema)
@problems(401, 403, 404)
def get_match_run(run_id: str) -> tuple[Response, int]:
    return _run_response(queries.run(_uow(), run_id, current_principal()))


@blp.get("/match-runs/<run_id>/explain")
@require_roles("admin")
@blp.arguments(schemas.ExplainQuery, location="query")
@blp.response(200, schemas.ExplanationSchema)
@problems(401, 403, 404, 422)
def explain(query: dict, run_id: str) -> dict:
    """Why (not) this pair: its score components, or every hard constraint that forbids it. Without
    `junior`: why (not) this leader — their proposal or unmatched reason, how many juniors each hard
    constraint rules out, and the best feasible juniors."""
    return queries.explain(_uow(), run_id, query["leader"], query.get("junior"), current_principal())


@blp.post("/match-runs/<run_id>/overrides")
@require_roles("admin")
@blp.arguments(schemas.OverrideRequest)
@blp.response(200, schemas.MatchRunSchema)
@problems(401, 403, 404, 409, 422)
def override(body: dict, run_id: str) -> tuple[Response, int]:
    """Admin review: assign, swap or unassign by hand before publishing.

    A result that breaks a hard constraint needs `reason` (422 naming `reason` otherwise); every
    override is audited in the run's `overrides`.
    """
    return _run(_handle(c.OverrideProposal(run_id, current_principal(), **body)))


@blp.post("/match-runs/<run_id>/publish")
@require_roles("admin")
@blp.response(200, schemas.MatchRunSchema)
@problems(401, 403, 404, 409)
def publish(run_id: str) -> tuple[Response, int]:
    """Publish every proposal (`mentoring.pairing.published.v1` each); unmatched leaders are waitlisted."""
    return _run(_handle(c.PublishRun(run_id, current_principal())))


# -- pairings ---------------------------------------------------------------------------------------
@blp.get("/pairings")
@require_roles("admin", "participant")
@blp.arguments(schemas.PairingQuery, location="query")
@blp.response(200, schemas.PairingPage)
@problems(401, 403, 404, 422)
def list_pairings(query: dict) -> dict:
    """Admins of the program see every pairing; participants see their own."""
    skip, limit = skip_limit(query)
    items, total = queries.pairings(
        _uow(), query["program_id"], current_principal(), query.get("state"), skip, limit
    )
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/pairings/<pairing_id>")
@require_roles("admin", "participant")
@blp.response(200, schemas.PairingSchema)
@problems(401, 403, 404)
def get_pairing(pairing_id: str) -> dict:
    return queries.pairing(_uow(), pairing_id, current_principal())


@blp.post("/pairings/<pairing_id>/accept")
@require_roles("participant")
@blp.response(200, schemas.PairingSchema)
@problems(401, 403, 404, 409)
def accept(pairing_id: str) -> dict:
    """Accept your own pairing; when both have accepted it becomes active."""
    return _pairing(_handle(c.AcceptPairing(pairing_id, current_principal())))


@blp.post("/pairings/<pairing_id>/decline")
@require_roles("participant")
@blp.arguments(schemas.DeclineRequest)
@blp.response(200, schemas.PairingSchema)
@problems(401, 403, 404, 409, 422)
def decline(body: dict, pairing_id: str) -> dict:
    """Decline your own pairing with a reason from the list (+ free text): the pair is excluded from
    then on and the leader goes on the waitlist. Only the reason code is published
    (`mentoring.pairing.declined.v1`); the free text stays in matching's database, and an erasure
    removes it."""
    command = c.DeclinePairing(pairing_id, current_principal(), body["reason"], body.get("text"))
    return _pairing(_handle(command))


@blp.post("/pairings/<pairing_id>/end")
@require_roles("admin", "participant")
@blp.arguments(schemas.EndRequest)
@blp.response(200, schemas.PairingSchema)
@problems(401, 403, 404, 409, 422)
def end(body: dict, pairing_id: str) -> dict:
    """End a live pairing, planned or early, with a reason (admins of the program or either side)."""
    return _pairing(_handle(c.EndPairing(pairing_id, current_principal(), body["kind"], body["reason"])))


@blp.get("/programs/<program_id>/waitlist")
@require_roles("admin")
@blp.response(200, schemas.Waitlist)
@problems(401, 403, 404)
def waitlist(program_id: str) -> dict:
    """Leaders waiting for a junior, oldest first, with why they wait."""
    return {"items": queries.waitlist(_uow(), program_id, current_principal())}


@blp.post("/programs/<program_id>/conflicts")
@require_roles("admin")
@blp.arguments(schemas.ConflictRequest)
@blp.response(201, schemas.ConflictSchema)
@problems(401, 403, 404, 422)
def add_conflict(body: dict, program_id: str) -> dict:
    """Declare that a leader and a junior must never be paired (an exclusion every later run honours)."""
    events = _handle(c.AddConflict(program_id, current_principal(), **body))
    return next(e.record for e in events if isinstance(e, ConflictDeclared))

"""The pulse's HTTP routes: admins create and close pulses and read released results, participants answer,
admins and hr read the escalations routed to them. Request bodies are never logged anywhere."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from services.feedback.pulse import queries, schemas
from services.feedback.pulse.commands import (
    AnswerPulse,
    ClosePulse,
    CreatePulse,
    PulseAnswered,
    PulseRecorded,
)
from shared.app import current_bus
from shared.auth import current_principal, require_roles
from shared.messages import DomainEvent
from shared.openapi import problem_responses

blp = Blueprint("pulse", __name__, url_prefix="/v1", description="Anonymous safety pulse and escalations")
problems = problem_responses(
    blp,
    {
        401: "missing or invalid bearer token",
        403: "not an admin of the program, or not a participant the pulse asks",
        404: "unknown program or pulse (also: not a participant of its program)",
        409: "refused in the pulse's state: `code` already_answered, pulse_not_open (field opens_at), "
        "pulse_closed (field closes_at)",
        422: "invalid input; `errors` names each field (answers.<question_id> for a score)",
    },
)


def _pulse(events: list[DomainEvent]) -> dict[str, Any]:
    return queries.pulse_view(next(e for e in events if isinstance(e, PulseRecorded)).pulse)


@blp.post("/programs/<program_id>/pulses")
@require_roles("admin")
@blp.arguments(schemas.PulseCreate)
@blp.response(201, schemas.PulseView)
@problems(401, 403, 404, 422)
def create_pulse(body: dict, program_id: str) -> dict:
    """Open a pulse for a program (its admins only); it closes, and releases its results, at ``closes_at``."""
    return _pulse(current_bus().handle(CreatePulse(program_id, current_principal(), **body)))


@blp.get("/programs/<program_id>/pulses")
@require_roles("admin", "hr", "participant", "service")
@blp.response(200, schemas.PulseList)
@problems(401, 403, 404)
def list_pulses(program_id: str) -> dict:
    """A program's pulses: all for hr and its admins; for a participant, the ones asking them."""
    return {"items": queries.pulses_of(current_bus().uow, program_id, current_principal())}


@blp.get("/pulses/<pulse_id>")
@require_roles("admin", "hr", "participant", "service")
@blp.response(200, schemas.PulseView)
@problems(401, 404)
def get_pulse(pulse_id: str) -> dict:
    """A pulse's questions and window (to hr, its admins, and the participants of its program)."""
    return queries.visible_pulse(current_bus().uow, pulse_id, current_principal())


@blp.post("/pulses/<pulse_id>/responses")
@require_roles("participant")
@blp.arguments(schemas.PulseAnswer)
@blp.response(201, schemas.AnswerTaken)
@problems(401, 403, 404, 409, 422)
def answer_pulse(body: dict, pulse_id: str) -> dict:
    """Answer anonymously, once. The answer is stored without who or when; an optional escalation is stored
    apart and names you, because you ask to be contacted."""
    events = current_bus().handle(AnswerPulse(pulse_id, current_principal(), **body))
    answered = next(e for e in events if isinstance(e, PulseAnswered))
    return {"recorded": True, "escalation_id": answered.escalation_id, "route": answered.route}


@blp.post("/pulses/<pulse_id>/close")
@require_roles("admin")
@blp.response(200, schemas.PulseResults)
@problems(401, 403, 404, 409)
def close_pulse(pulse_id: str) -> dict:
    """Close before ``closes_at`` (its admins only): results are released now, with the k rules."""
    events = current_bus().handle(ClosePulse(pulse_id, current_principal()))
    return queries.result_view(next(e for e in events if isinstance(e, PulseRecorded)).pulse)


@blp.get("/pulses/<pulse_id>/results")
@require_roles("admin", "hr", "service")
@blp.response(200, schemas.PulseResults)
@problems(401, 403, 404)
def pulse_results(pulse_id: str) -> dict:
    """Figures only after close and with at least k responses; otherwise ``released: false`` and a reason."""
    return queries.results(current_bus().uow, pulse_id, current_principal())


@blp.get("/escalations")
@require_roles("admin", "hr")
@blp.arguments(schemas.PulseEscalationQuery, location="query")
@blp.response(200, schemas.PulseEscalationList)
@problems(401, 403, 404, 422)
def list_escalations(query: dict) -> dict:
    """hr: escalations routed to hr; an admin: those routed to the admins of programs they administer."""
    return {"items": queries.escalations(current_bus().uow, current_principal(), query.get("program_id"))}

"""What the pulse's routes read: pulses, their released results (k rules applied), escalation inboxes, and
the released aggregates of a program for the outcome report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.feedback.pulse.handlers import administered, is_admin_of, program_of, pulse_of
from shared.auth import Principal
from shared.errors import Forbidden, NotFound

if TYPE_CHECKING:  # the store imports the pulse's store: no import cycle at run time
    from services.feedback.store import FeedbackUnitOfWork

DEFINITION = ("pulse_id", "program_id", "title", "opens_at", "closes_at", "questions", "respondent_roles",
              "breakdown", "k", "status")  # fmt: skip


def pulse_view(pulse: dict[str, Any], answered: bool | None = None) -> dict[str, Any]:
    """A pulse's definition; ``answered`` only for the participant asking about their own answer."""
    view = {name: pulse.get(name) for name in DEFINITION}
    if answered is not None:
        view["answered"] = answered
    return view


def _reader(uow: FeedbackUnitOfWork, program_id: str, principal: Principal) -> dict[str, Any]:
    program = program_of(uow, program_id)
    if principal.has_any(("hr", "service")) or is_admin_of(program, principal):
        return program
    raise Forbidden(f"only hr and the admins of program {program_id} may read its pulse results")


def visible_pulse(uow: FeedbackUnitOfWork, pulse_id: str, principal: Principal) -> dict[str, Any]:
    """A pulse for hr, its program's admins, services and the participants of its program (else 404)."""
    pulse = pulse_of(uow, pulse_id)
    if principal.has_any(("hr", "service")) or is_admin_of(
        uow.programs.get(pulse["program_id"]) or {}, principal
    ):
        return pulse_view(pulse)
    me = uow.people.participant_for(pulse["program_id"], principal.subject)
    if me is None or not principal.has_any(("participant",)):
        raise NotFound(f"pulse {pulse_id} is not known", field="pulse_id")
    return pulse_view(pulse, uow.pulses.answered(pulse_id, me["participant_id"]))


def pulses_of(uow: FeedbackUnitOfWork, program_id: str, principal: Principal) -> list[dict[str, Any]]:
    program = program_of(uow, program_id)
    if principal.has_any(("hr", "service")) or is_admin_of(program, principal):
        return [pulse_view(p) for p in uow.pulses.pulses_of(program_id)]
    me = uow.people.participant_for(program_id, principal.subject)
    if me is None or not principal.has_any(("participant",)):
        raise NotFound(f"program {program_id} is not known to feedback", field="program_id")
    return [
        pulse_view(p, uow.pulses.answered(p["pulse_id"], me["participant_id"]))
        for p in uow.pulses.pulses_of(program_id)
        if me.get("role") in p["respondent_roles"]
    ]


def result_view(pulse: dict[str, Any]) -> dict[str, Any]:
    """Figures only once the pulse closed AND with at least k responses; otherwise a reason and no figures
    at all: not the count, not a mean, not whether a group is large."""
    base = {"pulse_id": pulse["pulse_id"], "program_id": pulse["program_id"], "title": pulse.get("title"),
            "status": pulse["status"], "closes_at": pulse["closes_at"]}  # fmt: skip
    result = pulse.get("result")
    if pulse["status"] != "closed" or result is None:
        return {**base, "k": pulse["k"], "released": False, "reason": "not_closed",
                "detail": "results are released when the pulse closes"}  # fmt: skip
    if not result["released"]:
        return {**base, "k": result["k"], "released": False, "reason": "not_enough_responses",
                "detail": f"fewer than {result['k']} responses: no figures are shown"}  # fmt: skip
    return {**base, "closed_at": pulse.get("closed_at"), **result}


def results(uow: FeedbackUnitOfWork, pulse_id: str, principal: Principal) -> dict[str, Any]:
    pulse = pulse_of(uow, pulse_id)
    _reader(uow, pulse["program_id"], principal)
    return result_view(pulse)


def released_aggregates(uow: FeedbackUnitOfWork, program_id: str) -> list[dict[str, Any]]:
    """The outcome report's pulse figures: closed pulses only, each as ``result_view`` (k rules applied)."""
    return [result_view(p) for p in uow.pulses.pulses_of(program_id) if p["status"] == "closed"]


def escalations(
    uow: FeedbackUnitOfWork, principal: Principal, program_id: str | None = None
) -> list[dict[str, Any]]:
    """hr sees the ``hr`` route; an admin sees the ``admin`` route of the programs they administer now.
    Nobody else sees any: this is the only place the person's identity is shown beside their request."""
    found: list[dict[str, Any]] = []
    if principal.has_any(("hr",)):
        found += uow.pulses.escalations(f"hr|{program_id}|" if program_id else "hr|")
    if principal.has_any(("admin",)):
        if program_id is not None:
            administered(uow, program_id, principal)
        admin_of: dict[str, bool] = {}
        for record in uow.pulses.escalations(f"admin|{program_id}|" if program_id else "admin|"):
            pid = record["program_id"]
            if pid not in admin_of:
                admin_of[pid] = is_admin_of(uow.programs.get(pid) or {}, principal)
            if admin_of[pid]:
                found.append(record)
    return sorted(found, key=lambda r: r["raised_at"], reverse=True)

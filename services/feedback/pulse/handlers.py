"""The pulse's use cases: create a pulse, answer it (with an optional escalation), close it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.feedback.pulse import domain
from services.feedback.pulse.commands import (
    CLOSE_KIND,
    AnswerPulse,
    ClosePulse,
    CreatePulse,
    PulseAnswered,
    PulseRecorded,
)
from services.feedback.pulse.store import escalation_key
from shared.auth import Principal
from shared.contracts.types import PulseClosed, PulseEscalated
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.messages import DomainEvent
from shared.metrics import PULSE_RESPONSES

if TYPE_CHECKING:  # the store imports the pulse's store: no import cycle at run time
    from services.feedback.store import FeedbackUnitOfWork

ANSWERING = "enrolled"  # withdrawn and erased participants are asked nothing


def program_of(uow: FeedbackUnitOfWork, program_id: str) -> dict[str, Any]:
    found = uow.programs.get(program_id)
    if found is None:
        raise NotFound(f"program {program_id} is not known to feedback", field="program_id")
    return found


def is_admin_of(program: dict[str, Any], principal: Principal) -> bool:
    return principal.has_any(("admin",)) and principal.subject in (program.get("admins") or [])


def pulse_of(uow: FeedbackUnitOfWork, pulse_id: str) -> dict[str, Any]:
    found = uow.pulses.pulse(pulse_id)
    if found is None:
        raise NotFound(f"pulse {pulse_id} is not known", field="pulse_id")
    return found


def administered(uow: FeedbackUnitOfWork, program_id: str, principal: Principal) -> dict[str, Any]:
    program = program_of(uow, program_id)
    if not is_admin_of(program, principal):
        raise Forbidden(f"only the admins of program {program_id} may do this")
    return program


def _eligible_departments(uow: FeedbackUnitOfWork, program_id: str, roles: list[str]) -> list[str | None]:
    people = uow.people.in_program(program_id)
    return [
        p.get("department")
        for p in people
        if p.get("role") in roles and (p.get("status") or ANSWERING) == ANSWERING
    ]


def create_pulse(command: CreatePulse, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    program = administered(uow, command.program_id, command.principal)
    now = uow.clock()
    opens_at = command.opens_at or now
    domain.check_window(opens_at, command.closes_at, now)
    questions = [dict(q) for q in (command.questions or domain.DEFAULT_QUESTIONS)]
    domain.check_questions(questions)
    if command.breakdown is not None and command.breakdown not in domain.BREAKDOWNS:
        raise InvalidInput({"breakdown": [f"must be one of: {', '.join(domain.BREAKDOWNS)}"]})
    k = domain.effective_k(program["pulse_k"], None)
    roles = list(command.respondent_roles or domain.DEFAULT_RESPONDENT_ROLES)
    groups = []
    if command.breakdown is not None:
        groups = domain.groups_for(_eligible_departments(uow, command.program_id, roles), k)
    pulse = {
        "pulse_id": domain.random_id(),
        "program_id": command.program_id,
        "title": command.title,
        "opens_at": opens_at,
        "closes_at": command.closes_at,
        "questions": questions,
        "respondent_roles": roles,
        "breakdown": command.breakdown,
        "groups": groups,
        "k": k,
        "status": "open",
        "created_by": command.principal.subject,
    }
    # Closing is scheduled first: a crash before the pulse is stored leaves an item that closes nothing.
    uow.schedule.schedule(f"{CLOSE_KIND}:{pulse['pulse_id']}", CLOSE_KIND, command.closes_at,
                          {"pulse_id": pulse["pulse_id"]})  # fmt: skip
    uow.pulses.add_pulse(pulse)
    return [PulseRecorded(pulse)]


def _respondent(uow: FeedbackUnitOfWork, pulse: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """The caller as a participant the pulse asks (anyone else: 404, or 403 for the program's other roles)."""
    me = uow.people.participant_for(pulse["program_id"], principal.subject)
    if me is None or not principal.has_any(("participant",)):
        raise NotFound(f"pulse {pulse['pulse_id']} is not known", field="pulse_id")
    if me.get("role") not in pulse["respondent_roles"] or (me.get("status") or ANSWERING) != ANSWERING:
        raise Forbidden(f"this pulse asks {', '.join(pulse['respondent_roles'])} participants of the program")
    return me


def _route(
    uow: FeedbackUnitOfWork, pulse: dict[str, Any], me: dict[str, Any], employee_id: str
) -> domain.Route:
    program = uow.programs.get(pulse["program_id"]) or {}
    leaders = [
        uow.people.employee_of(p["leader_id"])
        for p in uow.pairings.of_participant(me["participant_id"])
        if p.get("junior_id") == me["participant_id"] and p.get("leader_id")
    ]
    chain = uow.orgchart.chain_of(employee_id)
    return domain.escalation_route(program.get("admins") or [], chain, [x for x in leaders if x], employee_id)


def answer_pulse(command: AnswerPulse, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    """Marker (pending) → ballot → escalation → marker finished; see the package docstring for why."""
    pulse = pulse_of(uow, command.pulse_id)
    me = _respondent(uow, pulse, command.principal)
    answers = domain.valid_answers(pulse["questions"], command.answers)
    if command.message and not command.talk_to_someone:
        raise InvalidInput({"message": ["a message goes with talk_to_someone: true"]})
    domain.check_open(pulse, uow.clock())
    participant_id = me["participant_id"]
    marker = uow.pulses.begin(pulse["pulse_id"], participant_id, domain.random_id(), domain.random_id())
    if not marker.pending:
        raise Conflict("you have answered this pulse already", field="pulse_id", code="already_answered")
    ballot: dict[str, Any] = {"ballot_id": marker.ballot_id, "answers": answers}
    if pulse.get("breakdown"):
        ballot["group"] = domain.group_of(me.get("department"), pulse.get("groups") or [])
    outcome = uow.pulses.cast(pulse["pulse_id"], ballot)
    if outcome == "sealed":
        uow.pulses.discard(pulse["pulse_id"], participant_id)
        raise Conflict("the pulse has closed", field="closes_at", code="pulse_closed")
    if outcome == "cast":
        PULSE_RESPONSES.inc()
    escalated = None
    if command.talk_to_someone:
        escalated = _escalate(uow, pulse, me, command, marker.escalation_id)  # type: ignore[arg-type]
    uow.pulses.finish(pulse["pulse_id"], participant_id)
    return [PulseAnswered(pulse["pulse_id"], *(escalated or (None, None)))]


def _escalate(
    uow: FeedbackUnitOfWork,
    pulse: dict[str, Any],
    me: dict[str, Any],
    command: AnswerPulse,
    escalation_id: str,
) -> tuple[str, str]:
    """Stored apart from the ballot (it names the person on purpose: they asked to be contacted) under the
    marker's random id, so a retry after a crash records it once; it names no pulse and no ballot."""
    employee_id = command.principal.subject
    route = _route(uow, pulse, me, employee_id)
    record = {
        "escalation_id": escalation_id,
        "program_id": pulse["program_id"],
        "participant_id": me["participant_id"],
        "employee_id": employee_id,
        "message": command.message,
        "route": route.route,
        "recipient_ids": list(route.recipient_ids),
        "raised_at": uow.clock(),
    }
    event = PulseEscalated(
        escalation_id,
        {"escalation_id": escalation_id, "program_id": pulse["program_id"], "route": route.route,
         "recipient_ids": list(route.recipient_ids)},
    )  # fmt: skip
    uow.pulses.add_escalation(
        escalation_key(route.route, pulse["program_id"], escalation_id), record, [event]
    )
    return escalation_id, route.route


def close_pulse(command: ClosePulse, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    """Seal the ballot box, release the aggregate with the k rules, publish ``PulseClosed``, and strip the
    ids from markers a crash left pending. The scheduler's close of a closed pulse changes nothing."""
    pulse = pulse_of(uow, command.pulse_id)
    program = uow.programs.get(pulse["program_id"]) or {}
    if command.principal is not None and not is_admin_of(program, command.principal):
        raise Forbidden(f"only the admins of program {pulse['program_id']} may close its pulses")
    if pulse["status"] != "open":
        if command.principal is not None:
            raise Conflict("the pulse is closed already", field="pulse_id", code="pulse_closed")
        return []
    ballots = uow.pulses.seal(pulse["pulse_id"])
    result = domain.released(pulse, ballots, domain.effective_k(pulse["k"], program.get("pulse_k")))
    event = PulseClosed(pulse["pulse_id"], closed_payload(pulse, result))
    changes = {"status": "closed", "closed_at": uow.clock(), "result": result}
    if uow.pulses.close(pulse["pulse_id"], changes, [event]):
        pulse.update(changes)
    uow.pulses.unlink_pending(pulse["pulse_id"])
    return [PulseRecorded(uow.pulses.pulse(pulse["pulse_id"]) or pulse)]


def closed_payload(pulse: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """``PulseClosed``'s payload: the released overall figures only (the breakdown stays in the API)."""
    questions = None
    if result["released"]:
        questions = [
            {name: q[name] for name in ("question_id", "mean", "answers")} for q in result["questions"]
        ]
    return {
        "pulse_id": pulse["pulse_id"],
        "program_id": pulse["program_id"],
        "k": result["k"],
        "released": result["released"],
        "responses": result["responses"],
        "questions": questions,
    }


def forget(uow: FeedbackUnitOfWork, participant_id: str) -> int:
    """Erasure: the person's markers and escalations go; ballots hold nothing of theirs to delete."""
    return uow.pulses.forget(participant_id)


COMMANDS = {CreatePulse: create_pulse, AnswerPulse: answer_pulse, ClosePulse: close_pulse}

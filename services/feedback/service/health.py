"""A pairing's counters and health, kept on its own document after every write: the outcome report reads
the rows this leaves (``uow.outcomes``), matching and the admin hear of an at-risk crossing.

A write recounts only the kind of record it wrote (a pairing has a handful of goals, insights and survey
answers: one ``_id`` range read) and a check-in is counted without reading the others, so its cost stays
flat as they accumulate. The scheduler's cadence look recounts everything (self-healing: a count a crash
lost comes back). Concurrent assessments are serialised by a compare-and-set on the pairing's revision;
the ids of the last check-ins counted make counting one again harmless."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.feedback.domain import health as rules
from services.feedback.domain import outcomes, surveys
from services.feedback.service.commands import RECORD_KINDS, AssessPairing, PairingWritten
from services.feedback.service.records import questions_of
from services.feedback.store import FeedbackUnitOfWork
from shared.contracts.types import PairingAtRisk, PairingRecovered
from shared.errors import StaleWrite
from shared.messages import DomainEvent

DAY_S = 86400
RECENT = 10  # ids of the last check-ins counted (a recount racing a new check-in counts it once)
ATTEMPTS = 5
Counter = Callable[[FeedbackUnitOfWork, dict[str, Any]], dict[str, Any]]


def _goals(uow: FeedbackUnitOfWork, pairing: dict[str, Any]) -> dict[str, Any]:
    goals = uow.goals.of_pairing(pairing["pairing_id"])
    return {
        "goals_total": len(goals),
        "goals_achieved": sum(g["status"] == "achieved" for g in goals),
        "goal_statuses": [{"status": g["status"], "progress": g["progress"]} for g in goals],
    }


def _check_ins(uow: FeedbackUnitOfWork, pairing: dict[str, Any]) -> dict[str, Any]:
    check_ins = uow.check_ins.of_pairing(pairing["pairing_id"])
    return {
        "check_ins": len(check_ins),
        "last_held_on": max((c["held_on"] for c in check_ins), default=None),
        "recent_check_ins": [c["check_in_id"] for c in check_ins[-RECENT:]],
    }


def _insights(uow: FeedbackUnitOfWork, pairing: dict[str, Any]) -> dict[str, Any]:
    insights = uow.insights.of_pairing(pairing["pairing_id"])
    acted = [i for i in insights if i["status"] == "acted_upon"]
    return {
        "insights_raised": len(insights),
        "insights_acknowledged": sum(i["status"] in ("acknowledged", "acted_upon") for i in insights),
        "insights_acted_upon": len(acted),
        "days_to_act": [
            round((i["acted_upon_at"] - i["raised_at"]).total_seconds() / DAY_S, 3) for i in acted
        ],
    }


def _surveys(uow: FeedbackUnitOfWork, pairing: dict[str, Any]) -> dict[str, Any]:
    fit = [a for a in uow.survey_answers.of_pairing(pairing["pairing_id"]) if a["kind"] == "fit_check"]
    questions = questions_of(uow, pairing["program_id"])
    means = [m for a in fit if (m := surveys.likert_mean(questions, a["answers"])) is not None]
    return {"fit_mean": sum(means) / len(means) if means else None, "fit_sides": len(means)}


COUNTERS: dict[str, Counter] = {
    "goals": _goals,
    "check_ins": _check_ins,
    "insights": _insights,
    "surveys": _surveys,
}
assert set(COUNTERS) == set(RECORD_KINDS)


def one_more_check_in(pairing: dict[str, Any], check_in: dict[str, Any]) -> dict[str, Any]:
    """The counters after ``check_in`` (nothing when it was counted already)."""
    recent = pairing.get("recent_check_ins") or []
    if check_in["check_in_id"] in recent:
        return {}
    held = [day for day in (pairing.get("last_held_on"), check_in["held_on"]) if day]
    return {
        "check_ins": (pairing.get("check_ins") or 0) + 1,
        "last_held_on": max(held),
        "recent_check_ins": [*recent, check_in["check_in_id"]][-RECENT:],
    }


def _health(uow: FeedbackUnitOfWork, pairing: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The health of an active pairing from its counters, and the events of a crossing."""
    program = uow.programs.get(pairing["program_id"]) or {}
    last = pairing.get("last_held_on") or pairing.get("activated_on")
    components = {
        "cadence": rules.cadence_component(
            date.fromisoformat(last), uow.clock().date(), program.get("cadence_weeks", 2)
        ),
        "goals": rules.goals_component(pairing.get("goal_statuses") or []),
        "fit": rules.fit_component(pairing.get("fit_mean")),
    }
    was_at_risk = bool(pairing.get("at_risk"))
    health = rules.assess(components, was_at_risk, (pairing.get("fit_sides") or 0) >= 2)
    ids = {"pairing_id": pairing["pairing_id"], "program_id": pairing["program_id"]}
    events: list[Any] = []
    if health.at_risk and not was_at_risk:
        people = {"leader_id": pairing["leader_id"], "junior_id": pairing["junior_id"]}
        data = {**ids, "reason": health.reason, "score": health.score, **people}
        events.append(PairingAtRisk(pairing["pairing_id"], data))
    elif was_at_risk and not health.at_risk:
        events.append(PairingRecovered(pairing["pairing_id"], {**ids, "score": health.score}))
    view = {**health.view(), "computed_at": uow.clock()}
    return {"health": view, "at_risk": health.at_risk}, events


def assess_pairing(command: AssessPairing, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    for _attempt in range(ATTEMPTS):
        pairing = uow.pairings.get(command.pairing_id)
        if pairing is None:
            return []
        changes: dict[str, Any] = {}
        if command.check_in is not None:
            changes.update(one_more_check_in(pairing, command.check_in))
        for kind in command.recount:
            changes.update(COUNTERS[kind](uow, pairing))
        events: list[Any] = []
        if pairing.get("state") == "active":
            health, events = _health(uow, {**pairing, **changes})
            changes.update(health)
        if uow.pairings.assessed(command.pairing_id, changes, rev=pairing.get("rev"), events=events):
            row = outcomes.row_of({**pairing, **changes})
            uow.outcomes.save(pairing["program_id"], command.pairing_id, row)
            return []
    raise StaleWrite(command.pairing_id)


def after_write(event: PairingWritten) -> AssessPairing:
    if event.kind == "check_ins" and event.record is not None:
        logged = {name: event.record[name] for name in ("check_in_id", "held_on")}
        return AssessPairing(event.pairing_id, recount=(), check_in=logged)
    return AssessPairing(event.pairing_id, recount=(event.kind,) if event.kind else RECORD_KINDS)

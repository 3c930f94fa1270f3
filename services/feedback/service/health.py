"""A pairing's counters and health, recomputed from its own records after every write and by the
scheduler: the outcome report reads the counters, matching and the admin hear of a crossing."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.feedback.domain import health as rules
from services.feedback.domain import surveys
from services.feedback.service.commands import AssessPairing, PairingWritten
from services.feedback.service.records import questions_of
from services.feedback.store import FeedbackUnitOfWork
from shared.contracts.types import PairingAtRisk, PairingRecovered
from shared.messages import DomainEvent

DAY_S = 86400


def summary(uow: FeedbackUnitOfWork, pairing: dict[str, Any]) -> dict[str, Any]:
    """The counters of one pairing, from its own records (a few dozen documents, one range read each)."""
    pairing_id = pairing["pairing_id"]
    goals = uow.goals.of_pairing(pairing_id)
    check_ins = uow.check_ins.of_pairing(pairing_id)
    insights = uow.insights.of_pairing(pairing_id)
    acted = [i for i in insights if i["status"] == "acted_upon"]
    fit = [a for a in uow.survey_answers.of_pairing(pairing_id) if a["kind"] == "fit_check"]
    questions = questions_of(uow, pairing["program_id"])
    means = [m for a in fit if (m := surveys.likert_mean(questions, a["answers"])) is not None]
    return {
        "goals_total": len(goals),
        "goals_achieved": sum(g["status"] == "achieved" for g in goals),
        "goal_statuses": [{"status": g["status"], "progress": g["progress"]} for g in goals],
        "check_ins": len(check_ins),
        "last_held_on": max((c["held_on"] for c in check_ins), default=None),
        "insights_raised": len(insights),
        "insights_acknowledged": sum(i["status"] in ("acknowledged", "acted_upon") for i in insights),
        "insights_acted_upon": len(acted),
        "days_to_act": [
            round((i["acted_upon_at"] - i["raised_at"]).total_seconds() / DAY_S, 3) for i in acted
        ],
        "fit_mean": sum(means) / len(means) if means else None,
    }


def assess_pairing(command: AssessPairing, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    pairing = uow.pairings.get(command.pairing_id)
    if pairing is None:
        return []
    counters = summary(uow, pairing)
    uow.pairings.summarise(command.pairing_id, counters)
    if pairing.get("state") != "active":
        return []
    program = uow.programs.get(pairing["program_id"]) or {}
    last = counters["last_held_on"] or pairing.get("activated_on")
    today = uow.clock().date()
    components = {
        "cadence": rules.cadence_component(date.fromisoformat(last), today, program.get("cadence_weeks", 2)),
        "goals": rules.goals_component(counters["goal_statuses"]),
        "fit": rules.fit_component(counters["fit_mean"]),
    }
    was_at_risk = pairing.get("at_risk")
    health = rules.assess(components, bool(was_at_risk))
    events: list[Any] = []
    ids = {"pairing_id": pairing["pairing_id"], "program_id": pairing["program_id"]}
    if health.at_risk and not was_at_risk:
        events.append(
            PairingAtRisk(
                pairing["pairing_id"],
                {
                    **ids,
                    "reason": health.reason,
                    "score": health.score,
                    "leader_id": pairing["leader_id"],
                    "junior_id": pairing["junior_id"],
                },
            )
        )
    elif was_at_risk and not health.at_risk:
        events.append(PairingRecovered(pairing["pairing_id"], {**ids, "score": health.score}))
    view = {**health.view(), "computed_at": uow.clock()}
    uow.pairings.set_health(command.pairing_id, view, was_at_risk=was_at_risk, events=events)
    return []


def after_write(event: PairingWritten) -> AssessPairing:
    return AssessPairing(event.pairing_id)

"""What routes read: pairing health and the pairing views, authorised through ``access``."""

from __future__ import annotations

from typing import Any

from services.feedback.service import access
from services.feedback.service.records import questions_of
from services.feedback.store import FeedbackUnitOfWork
from shared.auth import Principal
from shared.contracts.feedback import SURVEY_KINDS

HEALTH_FIELDS = (
    "pairing_id",
    "program_id",
    "leader_id",
    "junior_id",
    "state",
    "activated_on",
    "ended_on",
    "end_kind",
    "health",
    "at_risk",
)


def pairing_health(uow: FeedbackUnitOfWork, pairing_id: str, principal: Principal) -> dict[str, Any]:
    found, _side = access.readable_pairing(uow, pairing_id, principal)
    return {name: found.get(name) for name in HEALTH_FIELDS if name in found}


def goals(uow: FeedbackUnitOfWork, pairing_id: str, principal: Principal) -> list[dict[str, Any]]:
    """Both sides see both sides' goals; nobody else does."""
    access.participant_pairing(uow, pairing_id, principal)
    return uow.goals.of_pairing(pairing_id)


def check_in_view(record: dict[str, Any], me: str) -> dict[str, Any]:
    """A check-in for one side: the private notes shown are the caller's own, never the other side's."""
    return {**record, "private_notes": (record.get("private_notes") or {}).get(me)}


def check_ins(uow: FeedbackUnitOfWork, pairing_id: str, principal: Principal) -> list[dict[str, Any]]:
    _pairing, _side, me = access.participant_pairing(uow, pairing_id, principal)
    return [check_in_view(record, me) for record in uow.check_ins.of_pairing(pairing_id)]


def insights(uow: FeedbackUnitOfWork, pairing_id: str, principal: Principal) -> list[dict[str, Any]]:
    access.participant_pairing(uow, pairing_id, principal)
    return uow.insights.of_pairing(pairing_id)


def surveys_of_pairing(
    uow: FeedbackUnitOfWork, pairing_id: str, principal: Principal
) -> list[dict[str, Any]]:
    """The milestone surveys open on the pairing, with the caller's own answers only."""
    pairing, _side, me = access.participant_pairing(uow, pairing_id, principal)
    questions = questions_of(uow, pairing["program_id"])
    mine = {
        a["kind"]: a["answers"]
        for a in uow.survey_answers.of_pairing(pairing_id)
        if a["participant_id"] == me
    }
    return [
        {
            "kind": kind,
            "due_on": pairing.get(f"survey_{kind}_due"),
            "questions": questions,
            "my_answers": mine.get(kind),
        }
        for kind in SURVEY_KINDS
        if pairing.get(f"survey_{kind}_due")
    ]


def program_surveys(uow: FeedbackUnitOfWork, program_id: str, principal: Principal) -> list[dict[str, Any]]:
    """Per-pairing answers, for the program's own admins only."""
    access.admin_program(uow, program_id, principal)
    answers = []
    for pairing in uow.pairings.of_program(program_id):
        answers.extend(uow.survey_answers.of_pairing(pairing["pairing_id"]))
    return answers


def feedback_settings(uow: FeedbackUnitOfWork, program_id: str, principal: Principal) -> dict[str, Any]:
    program = access.admin_program(uow, program_id, principal)
    return {
        "cadence_weeks": program["cadence_weeks"],
        "pulse_k": program["pulse_k"],
        "fit_check_after_days": program["fit_check_after_days"],
        "survey_questions": questions_of(uow, program_id),
    }

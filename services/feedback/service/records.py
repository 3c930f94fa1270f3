"""What the two sides write about their pairing: goals with their progress, check-ins, survey answers
and insights, each published as ids and codes only (the text stays here)."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.feedback.domain import checkins, goals, surveys
from services.feedback.service import access
from services.feedback.service.commands import (
    AnswerSurvey,
    LogCheckIn,
    PairingWritten,
    SetGoal,
    UpdateGoalProgress,
)
from services.feedback.store import FeedbackUnitOfWork
from shared.contracts.feedback import SURVEY_KINDS
from shared.contracts.types import CheckInLogged, GoalCompleted, GoalSet
from shared.errors import Conflict, InvalidInput, NotFound, StaleWrite
from shared.messages import DomainEvent

GOAL_EVENT_FIELDS = (
    "goal_id",
    "pairing_id",
    "program_id",
    "owner_id",
    "side",
    "status",
    "area",
    "target_date",
    "progress",
)


def active_side(uow: FeedbackUnitOfWork, pairing_id: str, command: Any) -> tuple[dict[str, Any], str, str]:
    """The pairing and the caller's side and id; 409 unless the pairing is active."""
    pairing, side, me = access.participant_pairing(uow, pairing_id, command.principal)
    if pairing.get("state") != "active":
        raise Conflict(f"pairing {pairing_id} is {pairing.get('state')}, not active", field="pairing_id")
    return pairing, side, me


def _goal_event(goal: dict[str, Any], kind: type = GoalSet) -> Any:
    return kind(goal["pairing_id"], {name: goal.get(name) for name in GOAL_EVENT_FIELDS})


def set_goal(command: SetGoal, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    pairing, side, me = active_side(uow, command.pairing_id, command)
    program = access.program(uow, pairing["program_id"])
    goals.check_area(side, command.body["area"], program["focus_areas"])
    goal = goals.new_goal(command.goal_id, pairing, side, me, command.body, uow.clock())
    if not uow.goals.add(command.pairing_id, command.goal_id, goal, [_goal_event(goal)]):
        raise Conflict(f"goal {command.goal_id} exists already", field="goal_id")
    return [PairingWritten(command.pairing_id, goal, "goals")]


def update_goal(command: UpdateGoalProgress, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    """Only the goal's owner reports its progress; the other side sees it."""
    _pairing, _side, me = active_side(uow, command.pairing_id, command)
    goal = uow.goals.get(command.pairing_id, command.goal_id)
    if goal is None or goal["owner_id"] != me:
        raise NotFound(f"goal {command.goal_id} is not one of yours on this pairing", field="goal_id")
    changes = goals.progress(goal, command.percent, command.note, command.status, me, uow.clock())
    after = {**goal, **changes}
    event = _goal_event(after, GoalCompleted if after["status"] == "achieved" else GoalSet)
    expect = {"updated_at": goal["updated_at"]}
    if not uow.goals.change(command.pairing_id, command.goal_id, changes, expect=expect, events=[event]):
        raise StaleWrite(command.goal_id)
    return [PairingWritten(command.pairing_id, after, "goals")]


def log_check_in(command: LogCheckIn, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    pairing, _side, me = active_side(uow, command.pairing_id, command)
    body = command.body
    activated = pairing.get("activated_on")
    checkins.check_held_on(
        body["held_on"], uow.clock().date(), date.fromisoformat(activated) if activated else None
    )
    record = {
        "check_in_id": command.check_in_id,
        "pairing_id": command.pairing_id,
        "program_id": pairing["program_id"],
        "logged_by": me,
        "held_on": body["held_on"].isoformat(),
        "duration_minutes": body["duration_minutes"],
        "topics": list(body.get("topics") or []),
        "shared_notes": body.get("shared_notes"),
        "private_notes": {me: body["private_notes"]} if body.get("private_notes") else {},
        "logged_at": uow.clock(),
    }
    event = CheckInLogged(
        command.pairing_id,
        {
            name: record[name]
            for name in (
                "check_in_id",
                "pairing_id",
                "program_id",
                "logged_by",
                "held_on",
                "duration_minutes",
            )
        },
    )
    if not uow.check_ins.add(command.pairing_id, command.check_in_id, record, [event]):
        raise Conflict(f"check-in {command.check_in_id} exists already", field="check_in_id")
    return [PairingWritten(command.pairing_id, record, "check_ins")]


def answer_survey(command: AnswerSurvey, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    """One answer per side and milestone survey, once it is open; the other side never sees it."""
    if command.kind not in SURVEY_KINDS:
        raise InvalidInput({"kind": [f"one of {', '.join(SURVEY_KINDS)}"]})
    pairing, side, me = active_side(uow, command.pairing_id, command)
    if not pairing.get(f"survey_{command.kind}_due"):
        raise Conflict(
            f"the {command.kind} survey of pairing {command.pairing_id} is not open yet", field="kind"
        )
    questions = questions_of(uow, pairing["program_id"])
    answers = surveys.check_answers(questions, command.answers)
    record = {
        "pairing_id": command.pairing_id,
        "program_id": pairing["program_id"],
        "kind": command.kind,
        "side": side,
        "participant_id": me,
        "answers": answers,
        "answered_at": uow.clock(),
    }
    if not uow.survey_answers.add(command.pairing_id, f"{command.kind}|{me}", record):
        raise Conflict(f"you answered the {command.kind} survey of this pairing already", field="kind")
    return [PairingWritten(command.pairing_id, record, "surveys")]


def questions_of(uow: FeedbackUnitOfWork, program_id: str) -> list[dict[str, Any]]:
    return (uow.programs.get(program_id) or {}).get("survey_questions") or surveys.DEFAULT_QUESTIONS

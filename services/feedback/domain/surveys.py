"""Milestone surveys: when they fall due and which answers a program's questions accept."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.errors import InvalidInput

FIT_CHECK_AFTER = timedelta(weeks=2)
LIKERT = (1, 5)
DEFAULT_QUESTIONS: list[dict[str, Any]] = [
    {"question_id": "rapport", "kind": "likert", "text": "We work well together"},
    {"question_id": "value", "kind": "likert", "text": "Our sessions are worth my time"},
    {"question_id": "goals_clear", "kind": "likert", "text": "Our goals are clear to both of us"},
    {"question_id": "comment", "kind": "text", "text": "Anything you want the program team to know"},
]


def due_dates(
    activated_on: date,
    starts_on: date | None,
    ends_on: date | None,
    fit_check_after: timedelta = FIT_CHECK_AFTER,
) -> dict[str, date]:
    """Fit check ``fit_check_after`` activation (the program's setting, two weeks by default); midpoint
    halfway to the program's end; end on its last day (without an end date: midpoint at 3 months, end
    at 6). The midpoint never comes before two weeks, whatever the fit check's delay."""
    end = (
        ends_on
        if ends_on and ends_on > activated_on + FIT_CHECK_AFTER
        else activated_on + timedelta(weeks=26)
    )
    begin = max(activated_on, starts_on or activated_on)
    midpoint = begin + (end - begin) / 2
    return {
        "fit_check": activated_on + fit_check_after,
        "midpoint": max(midpoint, activated_on + FIT_CHECK_AFTER),
        "end": end,
    }


def check_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """Every answer names a known question; Likert answers are integers 1-5, text at most 2,000 characters.
    All problems are reported at once, each under ``answers.<question id>``."""
    known = {q["question_id"]: q for q in questions}
    errors: dict[str, list[str]] = {}
    for question_id, value in answers.items():
        field = f"answers.{question_id}"
        question = known.get(question_id)
        if question is None:
            errors[field] = [f"unknown question id; known: {', '.join(known)}"]
        elif question["kind"] == "likert":
            if isinstance(value, bool) or not isinstance(value, int) or not LIKERT[0] <= value <= LIKERT[1]:
                errors[field] = [f"a score from {LIKERT[0]} to {LIKERT[1]}"]
        elif not isinstance(value, str) or len(value) > 2000:
            errors[field] = ["text of at most 2,000 characters"]
    if not answers:
        errors["answers"] = ["at least one answer"]
    if errors:
        raise InvalidInput(errors)
    return dict(answers)


def likert_mean(questions: list[dict[str, Any]], answers: dict[str, Any]) -> float | None:
    likert = [
        answers[q["question_id"]] for q in questions if q["kind"] == "likert" and q["question_id"] in answers
    ]
    return sum(likert) / len(likert) if likert else None

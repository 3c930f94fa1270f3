"""The pulse's pure rules: the k rule on figures and breakdowns, answers, the window, escalation routes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.feedback.pulse import domain
from shared.errors import Conflict, InvalidInput, Unprocessable

QUESTIONS = [
    {"question_id": "candid", "text": "I can speak candidly"},
    {"question_id": "heard", "text": "Heard"},
]
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def ballots(n: int, group: str | None = None, score: int = 4) -> list[dict]:
    return [{"ballot_id": domain.random_id(), "answers": {"candid": score, "heard": 2}, "group": group}] * n


def test_below_k_there_are_no_figures_at_all():
    assert domain.aggregate(ballots(4), ["candid", "heard"], k=5) is None
    result = domain.released({"questions": QUESTIONS, "breakdown": "department"}, ballots(4, "Sales"), 5)
    assert result == {"k": 5, "released": False, "responses": None, "questions": None, "breakdown": None}


def test_at_k_the_figures_are_released_per_question():
    figures = domain.aggregate([*ballots(3, score=5), *ballots(2, score=3)], ["candid", "heard"], k=5)
    assert figures == {
        "responses": 5,
        "questions": [
            {"question_id": "candid", "mean": 4.2, "answers": 5, "favourable_pct": 60.0},
            {"question_id": "heard", "mean": 2.0, "answers": 5, "favourable_pct": 0.0},
        ],
    }


def test_a_breakdown_is_shown_when_every_group_and_its_complement_reach_k():
    shown = domain.breakdown([*ballots(5, "Sales"), *ballots(6, "IT")], ["candid"], 5, "department")
    assert shown["suppressed"] is False
    assert [(g["group"], g["responses"]) for g in shown["groups"]] == [("IT", 6), ("Sales", 5)]


def test_a_breakdown_with_one_group_below_k_is_suppressed_whole():
    suppressed = domain.breakdown(
        [*ballots(5, "Sales"), *ballots(6, "IT"), *ballots(4, "Legal")], ["candid"], 5, "department"
    )
    assert suppressed == {"by": "department", "suppressed": True, "groups": None}


def test_a_breakdown_whose_complement_is_below_k_is_suppressed_even_if_every_group_reaches_k():
    # Sales 8 of 11: its complement (IT, 3) would fall out by subtraction from the released total.
    assert (
        domain.breakdown([*ballots(8, "Sales"), *ballots(3, "IT")], ["candid"], 3, "department")["groups"]
        is not None
    )
    assert domain.breakdown([*ballots(8, "Sales"), *ballots(4, "IT")], ["candid"], 5, "department")[
        "suppressed"
    ]
    # a single group is the whole pulse: its complement is empty
    assert domain.breakdown(ballots(9, "Sales"), ["candid"], 5, "department")["suppressed"]


def test_a_department_smaller_than_k_is_never_stored_on_a_ballot():
    groups = domain.groups_for(["Sales"] * 5 + ["IT"] * 5 + ["Legal"] * 2 + [None], k=5)
    assert groups == ["IT", "Sales"]
    assert domain.group_of("Legal", groups) == domain.OTHER_GROUP
    assert domain.group_of(None, groups) == domain.OTHER_GROUP
    assert domain.group_of("IT", groups) == "IT"


def test_k_below_three_is_refused_and_a_later_lower_k_never_applies():
    with pytest.raises(Unprocessable) as refused:
        domain.effective_k(2, None)
    assert refused.value.field == "pulse_k"
    assert domain.effective_k(5, 3) == 5
    assert domain.effective_k(5, 8) == 8


def test_an_answer_names_every_bad_field_at_once():
    with pytest.raises(InvalidInput) as refused:
        domain.valid_answers(QUESTIONS, {"candid": 6, "bogus": 3})
    assert refused.value.errors == {
        "answers.candid": ["must be a whole number from 1 to 5"],
        "answers.bogus": ["unknown question id"],
        "answers.heard": ["every question needs an answer"],
    }
    for bad in (0, 2.5, True, "4"):
        with pytest.raises(InvalidInput):
            domain.valid_answers(QUESTIONS, {"candid": bad, "heard": 3})
    assert domain.valid_answers(QUESTIONS, {"heard": 1, "candid": 5}) == {"candid": 5, "heard": 1}


def test_an_answer_outside_the_window_is_a_conflict_naming_the_window_field():
    pulse = {"opens_at": NOW, "closes_at": NOW + timedelta(days=1), "status": "open"}
    with pytest.raises(Conflict) as early:
        domain.check_open(pulse, NOW - timedelta(seconds=1))
    with pytest.raises(Conflict) as late:
        domain.check_open(pulse, NOW + timedelta(days=1))
    with pytest.raises(Conflict) as closed:
        domain.check_open({**pulse, "status": "closed"}, NOW)
    assert (early.value.field, late.value.field, closed.value.field) == ("opens_at", "closes_at", "closes_at")
    domain.check_open(pulse, NOW)


def test_an_escalation_goes_to_the_admins_unless_one_is_in_the_chain_or_leads_the_junior():
    assert domain.escalation_route(["A1", "A2"], ["M1", "M2"], ["L1"], "J1") == domain.Route(
        "admin", ("A1", "A2")
    )
    assert domain.escalation_route(["A1", "M2"], ["M1", "M2"], ["L1"], "J1") == domain.Route("hr", ())
    assert domain.escalation_route(["A1", "L1"], ["M1"], ["L1"], "J1") == domain.Route("hr", ())
    assert domain.escalation_route([], ["M1"], ["L1"], "J1") == domain.Route("hr", ())


def test_ids_are_random_and_a_shuffle_keeps_every_item():
    assert len({domain.random_id() for _ in range(100)}) == 100
    assert sorted(domain.shuffled(range(50))) == list(range(50))

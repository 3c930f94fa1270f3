"""Insights (junior raises, leader acknowledges and acts upon) and milestone surveys (open on their date,
answers checked against the program's questions, never shown to the other side)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.feedback.service import commands as c
from services.feedback.service import queries
from services.feedback.service.schedule import run_due
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.unit.feedback.story import ADMIN, OTHER_ADMIN, PROGRAM, person

INSIGHT = {
    "area": "gen-z-consumer-trends",
    "description": "Our ads read as boomer",
    "suggested_action": "Test UGC",
}


def test_an_insight_is_raised_acknowledged_and_acted_upon_with_what_changed(bus, uow, clock):
    bus.handle(c.RaiseInsight(person("J1"), "pr-1", "in-1", INSIGHT))
    with pytest.raises(Forbidden):
        bus.handle(c.ActOnInsight(person("J1"), "pr-1", "in-1", "nothing"))
    clock.advance(days=1)
    bus.handle(c.AcknowledgeInsight(person("L1"), "pr-1", "in-1"))
    clock.advance(days=2)
    bus.handle(c.ActOnInsight(person("L1"), "pr-1", "in-1", "Briefed the agency on UGC"))
    [insight] = queries.insights(uow, "pr-1", person("J1"))
    assert insight["status"] == "acted_upon" and insight["what_changed"] == "Briefed the agency on UGC"
    types = [e.type.split(".")[2] for e in uow.published() if "insight" in e.type]
    assert types == ["insight_raised", "insight_acted_upon"]
    assert "description" not in uow.published()[-1].data
    pairing = uow.pairings.get("pr-1")
    assert (pairing["insights_raised"], pairing["insights_acknowledged"], pairing["insights_acted_upon"]) == (
        1,
        1,
        1,
    )
    assert pairing["days_to_act"] == [3.0]
    with pytest.raises(Conflict):
        bus.handle(c.ActOnInsight(person("L1"), "pr-1", "in-1", "again"))


def test_a_leader_raises_no_insight_and_another_pairing_cannot_act_on_one(bus, uow):
    with pytest.raises(Forbidden):
        bus.handle(c.RaiseInsight(person("L1"), "pr-1", "in-1", INSIGHT))
    bus.handle(c.RaiseInsight(person("J2"), "pr-2", "in-2", INSIGHT))
    with pytest.raises(NotFound):
        bus.handle(c.ActOnInsight(person("L1"), "pr-2", "in-2", "not mine"))
    assert uow.insights.get("pr-2", "in-2")["status"] == "raised"


def _open_fit_check(bus, clock):
    clock.advance(weeks=2, hours=1)
    run_due(bus, "test")


def test_the_fit_check_opens_after_two_weeks_and_publishes_survey_due_once(bus, uow, clock):
    with pytest.raises(Conflict):
        bus.handle(c.AnswerSurvey(person("J1"), "pr-1", "fit_check", {"rapport": 4}))
    _open_fit_check(bus, clock)
    run_due(bus, "test")
    due = [e.data for e in uow.published() if e.type.endswith("survey_due.v1")]
    assert sorted((d["pairing_id"], d["kind"]) for d in due) == [("pr-1", "fit_check"), ("pr-2", "fit_check")]
    assert due[0]["due_on"] == (clock.now - timedelta(hours=1)).date().isoformat()


def test_survey_answers_are_checked_and_shown_to_the_admin_never_to_the_other_side(bus, uow, clock):
    _open_fit_check(bus, clock)
    with pytest.raises(InvalidInput) as refused:
        bus.handle(
            c.AnswerSurvey(person("J1"), "pr-1", "fit_check", {"rapport": 6, "mood": 3, "value": True})
        )
    assert set(refused.value.errors) == {"answers.rapport", "answers.mood", "answers.value"}
    assert uow.survey_answers.of_pairing("pr-1") == []
    bus.handle(
        c.AnswerSurvey(person("J1"), "pr-1", "fit_check", {"rapport": 2, "value": 2, "comment": "Tense"})
    )
    with pytest.raises(Conflict):
        bus.handle(c.AnswerSurvey(person("J1"), "pr-1", "fit_check", {"rapport": 5}))
    [leader_view] = queries.surveys_of_pairing(uow, "pr-1", person("L1"))
    assert leader_view["my_answers"] is None
    [junior_view] = queries.surveys_of_pairing(uow, "pr-1", person("J1"))
    assert junior_view["my_answers"]["comment"] == "Tense"
    [answer] = queries.program_surveys(uow, PROGRAM, ADMIN)
    assert answer["answers"]["rapport"] == 2 and answer["side"] == "junior"
    with pytest.raises(Forbidden):
        queries.program_surveys(uow, PROGRAM, OTHER_ADMIN)
    assert uow.pairings.get("pr-1")["health"]["components"]["fit"] == 25.0


def test_a_fit_check_set_to_open_at_once_opens_on_activation_and_a_poor_fit_puts_the_pairing_at_risk(clock):
    """A program can ask for the fit check on the day a pairing starts; both sides answering that it does
    not work flag the pairing at once although its check-ins are on time (score alone stays at 60); one
    side's poor answer alone does not (the other side must not learn a junior's answer from a flag)."""
    from services.feedback.service import build_bus
    from services.feedback.service.projections import ProjectProgram
    from services.feedback.store import MemoryFeedbackUnitOfWork
    from tests.unit.feedback.story import PROGRAM_DATA, START, begin

    uow = MemoryFeedbackUnitOfWork(clock=clock)
    build_bus(uow).handle(ProjectProgram(PROGRAM_DATA, START - timedelta(days=30), "evt-program"))
    build_bus(uow).handle(c.SaveFeedbackSettings(ADMIN, PROGRAM, {"fit_check_after_days": 0}))
    assert queries.feedback_settings(uow, PROGRAM, ADMIN)["fit_check_after_days"] == 0
    bus = begin(uow)
    run_due(bus, "test")
    due = [e.data for e in uow.published() if e.type.endswith("survey_due.v1")]
    assert sorted(d["pairing_id"] for d in due if d["kind"] == "fit_check") == ["pr-1", "pr-2"]
    poor = {"rapport": 1, "value": 2, "goals_clear": 2}
    bus.handle(c.AnswerSurvey(person("J1"), "pr-1", "fit_check", poor))
    assert not queries.pairing_health(uow, "pr-1", ADMIN)["health"]["at_risk"]
    bus.handle(c.AnswerSurvey(person("L1"), "pr-1", "fit_check", {"rapport": 2, "value": 2}))
    [at_risk] = [e.data for e in uow.published() if e.type.endswith("pairing_at_risk.v1")]
    assert (at_risk["pairing_id"], at_risk["reason"]) == ("pr-1", "poor_fit")
    health = queries.pairing_health(uow, "pr-1", ADMIN)["health"]
    assert health["components"]["cadence"] == 100.0 and health["score"] >= 60 and health["at_risk"]
    good = {"rapport": 5, "value": 4, "goals_clear": 4}
    bus.handle(c.AnswerSurvey(person("J2"), "pr-2", "fit_check", good))
    bus.handle(c.AnswerSurvey(person("L2"), "pr-2", "fit_check", good))
    assert not queries.pairing_health(uow, "pr-2", ADMIN)["health"]["at_risk"]


def test_by_default_the_fit_check_is_not_open_on_the_day_a_pairing_starts(bus, uow, clock):
    run_due(bus, "test")
    assert not [e for e in uow.published() if e.type.endswith("survey_due.v1")]
    assert queries.feedback_settings(uow, PROGRAM, ADMIN)["fit_check_after_days"] == 14

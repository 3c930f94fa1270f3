"""Two-way goals: the leader learns in the program's focus areas, the junior grows toward a growth goal;
both sides see both; only active pairings take goals."""

from __future__ import annotations

from datetime import date

import pytest

from services.feedback.service import commands as c
from services.feedback.service import queries
from shared.errors import Conflict, InvalidInput, NotFound
from tests.unit.feedback.story import START, end, person

LEADER_GOAL = {
    "area": "ai-tools",
    "title": "Use an AI assistant weekly",
    "success_criteria": "4 uses a month",
    "target_date": date(2026, 6, 1),
}
JUNIOR_GOAL = {"area": "strategy", "title": "Understand the yearly plan", "target_date": None}


def _types(uow):
    return [event.type.split(".")[2] for event in uow.published()]


def test_each_side_sets_a_goal_and_both_see_both(bus, uow):
    bus.handle(c.SetGoal(person("L1"), "pr-1", "g-lead", LEADER_GOAL))
    bus.handle(c.SetGoal(person("J1"), "pr-1", "g-jun", JUNIOR_GOAL))
    for side in ("L1", "J1"):
        shown = {g["goal_id"]: (g["side"], g["owner_id"]) for g in queries.goals(uow, "pr-1", person(side))}
        assert shown == {"g-lead": ("leader", "L1"), "g-jun": ("junior", "J1")}
    assert _types(uow) == ["goal_set", "goal_set"]
    assert "title" not in uow.published()[0].data and uow.published()[0].data["area"] == "ai-tools"


def test_a_leader_goal_outside_the_programs_focus_areas_is_refused_naming_the_area(bus, uow):
    with pytest.raises(InvalidInput) as refused:
        bus.handle(c.SetGoal(person("L1"), "pr-1", "g1", {**LEADER_GOAL, "area": "strategy"}))
    assert "area" in refused.value.errors
    with pytest.raises(InvalidInput):
        bus.handle(c.SetGoal(person("J1"), "pr-1", "g2", {**JUNIOR_GOAL, "area": "ai-tools"}))
    assert uow.goals.of_pairing("pr-1") == [] and uow.published() == []


def test_an_ended_pairing_takes_no_goal_and_nothing_is_written(bus, uow):
    end(bus, "pr-1", START.replace(day=20))
    with pytest.raises(Conflict):
        bus.handle(c.SetGoal(person("L1"), "pr-1", "g1", LEADER_GOAL))
    assert uow.goals.of_pairing("pr-1") == []


def test_progress_keeps_its_history_and_achieving_publishes_goal_completed(bus, uow, clock):
    bus.handle(c.SetGoal(person("L1"), "pr-1", "g1", LEADER_GOAL))
    clock.advance(days=7)
    bus.handle(c.UpdateGoalProgress(person("L1"), "pr-1", "g1", 40, "two sessions done", None))
    clock.advance(days=7)
    bus.handle(c.UpdateGoalProgress(person("L1"), "pr-1", "g1", None, "done", "achieved"))
    goal = uow.goals.get("pr-1", "g1")
    assert [(u["percent"], u["status"]) for u in goal["updates"]] == [(40, "in_progress"), (100, "achieved")]
    assert _types(uow) == ["goal_set", "goal_set", "goal_completed"]
    with pytest.raises(Conflict):
        bus.handle(c.UpdateGoalProgress(person("L1"), "pr-1", "g1", 50, None, None))


def test_only_the_owner_reports_progress_on_a_goal(bus, uow):
    bus.handle(c.SetGoal(person("L1"), "pr-1", "g1", LEADER_GOAL))
    with pytest.raises(NotFound):
        bus.handle(c.UpdateGoalProgress(person("J1"), "pr-1", "g1", 40, None, None))
    assert uow.goals.get("pr-1", "g1")["progress"] == 0


def test_someone_elses_pairing_is_not_found_with_their_real_ids(bus, uow):
    bus.handle(c.SetGoal(person("L2"), "pr-2", "g-other", LEADER_GOAL))
    with pytest.raises(NotFound):
        queries.goals(uow, "pr-2", person("J1"))
    with pytest.raises(NotFound):
        bus.handle(c.SetGoal(person("L1"), "pr-2", "g1", LEADER_GOAL))
    with pytest.raises(NotFound):
        bus.handle(c.UpdateGoalProgress(person("L1"), "pr-2", "g-other", 90, None, None))
    assert uow.goals.get("pr-2", "g-other")["progress"] == 0

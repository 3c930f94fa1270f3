"""Match runs through the bus on the in-memory unit of work: an admin's runs, rematches, explanations."""

from __future__ import annotations

import pytest

from services.matching.service import commands as c
from services.matching.service import queries
from shared.errors import Conflict
from tests.unit.matching.story import (
    ADMIN,
    Story,
    participant,
    person,
    program,
    published,
    recorded_run,
    story_of,
)

P = "prog"


@pytest.fixture
def story() -> Story:
    return story_of(P, ("E101", "E102", "E201"))


def test_a_real_run_stores_its_proposals_and_announces_them(story):
    events = story.handle(c.StartMatchRun(P, ADMIN, seed=1))
    run = recorded_run(events)
    assert published(events) == ["completed", "proposed"]
    assert [(p["leader_id"], p["junior_id"]) for p in run["proposals"]] == [("L1", "J1")]
    assert story.uow.runs.get(run["match_run_id"])["status"] == "completed"
    assert [u["reason"] for u in run["unmatched"]] == ["capacity_exhausted"]


def test_a_dry_run_announces_only_its_completion_and_shows_its_diff(story):
    events = story.handle(c.StartMatchRun(P, ADMIN, dry_run=True))
    assert published(events) == ["completed"]
    assert recorded_run(events)["diff"]["added"] == [{"leader_id": "L1", "junior_id": "J1"}]


def test_a_real_run_is_refused_while_the_program_is_still_enrolling_but_a_dry_run_is_not():
    story = Story()
    story.enrol(
        program("open", status="enrolling"),
        [person("open", "L1", "leader", "E1"), person("open", "J1", "junior", "E2")],
    )
    with pytest.raises(Conflict) as refused:
        story.handle(c.StartMatchRun("open", ADMIN))
    assert refused.value.extra["code"] == "program_status" and "enrolling" in refused.value.detail
    assert story.run("open", dry_run=True)["dry_run"]
    assert story.uow.pending()[-1].type == "mentoring.match_run.completed.v1"


def test_a_rematch_proposes_juniors_to_waitlisted_leaders_once_per_trigger(story):
    story.publish(story.run(P, seed=1))
    story.enrol(program(P), [person(P, "J2", "junior", "E202")])  # J2 joins: the follow-up rematches
    rematches = story.runs_of(P, kind="rematch")
    assert [(p["leader_id"], p["junior_id"]) for r in rematches for p in r["proposals"]] == [("L2", "J2")]
    assert story.uow.waitlist.waiting(P)[0]["proposed_in"] == rematches[0]["match_run_id"]

    first = story.handle(c.RequestRematch(P, trigger="pairing-x:declined"))
    redelivered = story.handle(c.RequestRematch(P, trigger="pairing-x:declined"))
    assert published(first) == ["completed", "proposed"] and redelivered == []
    assert len(story.runs_of(P, kind="rematch")) == 2


def test_a_rematch_on_a_program_not_yet_matching_does_nothing():
    story = Story()
    story.enrol(program("open", status="enrolling"), [person("open", "L1", "leader", "E1")])
    story.uow.waitlist.wait("open", "L1", "declined", "", story.now())
    assert story.handle(c.RequestRematch("open", trigger="t")) == []


def test_explaining_a_run_right_after_publishing_it_reports_unchanged_inputs(story):
    run = story.run(P, seed=1)
    before = queries.explain(story.uow, run["match_run_id"], "L1", "J1", ADMIN)
    story.publish(run)
    after = queries.explain(story.uow, run["match_run_id"], "L1", "J1", ADMIN)
    assert before["inputs_changed"] is False and after["inputs_changed"] is False
    assert after["proposed"] and after["feasible"]


def test_explaining_a_run_after_a_decline_reports_changed_inputs(story):
    run = story.publish(story.run(P, seed=1))
    pairing = story.pairing_of(P, "L1")
    story.handle(c.DeclinePairing(pairing["pairing_id"], participant("E201"), "schedule_conflict"))
    why = queries.explain(story.uow, run["match_run_id"], "L1", "J1", ADMIN)
    assert why["inputs_changed"] and why["violated"][0]["constraint"] == "exclusion"


def test_a_leader_left_unmatched_is_explained_without_naming_a_junior(story):
    run = story.run(P, seed=1)
    why = queries.explain(story.uow, run["match_run_id"], "L2", None, ADMIN)
    assert why["leader_id"] == "L2" and why["junior_id"] is None and not why["proposed"]
    assert "capacity_exhausted" in why["why_not"]
    assert why["feasible_juniors"] == 1 and why["best_candidates"][0]["junior_id"] == "J1"
    matched = queries.explain(story.uow, run["match_run_id"], "L1", None, ADMIN)
    assert matched["proposed"] and matched["proposal"]["junior_id"] == "J1"


def test_a_leader_no_junior_can_take_is_explained_by_the_constraints_that_rule_them_out():
    story = Story()
    people = [person("gap", "L1", "leader", "E1", level=5), person("gap", "L2", "leader", "E2")]
    people.append(person("gap", "J1", "junior", "E3"))
    story.enrol(program("gap"), people)
    run = story.run("gap")
    why = queries.explain(story.uow, run["match_run_id"], "L1", None, ADMIN)
    assert why["feasible_juniors"] == 0 and why["ruled_out_by"] == {"seniority_gap": 1}
    assert why["best_candidates"] == [] and "no_feasible_junior" in why["why_not"]

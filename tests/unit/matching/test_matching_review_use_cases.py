"""An admin's review through the bus on the in-memory unit of work: overrides, then publication."""

from __future__ import annotations

import pytest

from services.matching.service import commands as c
from services.matching.service import queries
from shared.errors import Conflict, Unprocessable
from tests.unit.matching.story import ADMIN, Story, person, program, published, recorded_run

P = "review"


@pytest.fixture
def story() -> Story:
    world = Story()
    people = [person(P, f"L{i}", "leader", f"E10{i}") for i in (1, 2)]
    people += [person(P, f"J{i}", "junior", f"E20{i}") for i in (1, 2)]
    people.append(person(P, "J3", "junior", "E203", manager_id="E101"))  # reports to L1
    world.enrol(program(P), people)
    return world


def test_an_override_breaking_a_hard_constraint_needs_a_reason_and_is_audited(story):
    run = story.run(P, seed=3)
    override = c.OverrideProposal(run["match_run_id"], ADMIN, "assign", "L1", junior_id="J3")
    with pytest.raises(Unprocessable) as refused:
        story.handle(override)
    assert refused.value.field == "reason" and "reporting_chain" in refused.value.detail

    events = story.handle(
        c.OverrideProposal(run["match_run_id"], ADMIN, "assign", "L1", "J3", reason="HR agreed")
    )
    reviewed = recorded_run(events)
    assert published(events) == ["proposed"]
    assert ("L1", "J3") in {(p["leader_id"], p["junior_id"]) for p in reviewed["proposals"]}
    audit = reviewed["overrides"][-1]
    assert audit["by"] == ADMIN.subject and [v["constraint"] for v in audit["violations"]] == [
        "reporting_chain"
    ]
    assert story.uow.runs.get(run["match_run_id"])["overrides"] == reviewed["overrides"]


def test_an_overridden_pair_is_scored_as_the_explanation_scores_it(story):
    run = story.run(P, seed=3)
    l1 = next(p for p in run["proposals"] if p["leader_id"] == "L1")
    other = "J2" if l1["junior_id"] == "J1" else "J1"
    events = story.handle(c.OverrideProposal(run["match_run_id"], ADMIN, "swap", "L1", other_leader_id="L2"))
    swapped = {p["leader_id"]: p for p in recorded_run(events)["proposals"]}
    why = queries.explain(story.uow, run["match_run_id"], "L1", other, ADMIN)
    assert swapped["L1"]["junior_id"] == other and swapped["L1"]["score"] == why["score"]
    assert swapped["L1"]["components"] == why["components"]


def test_unassigning_sends_the_leader_to_unmatched_as_removed_by_the_admin(story):
    run = story.run(P, seed=3)
    events = story.handle(c.OverrideProposal(run["match_run_id"], ADMIN, "unassign", "L2", reason="on leave"))
    left = {u["leader_id"]: u for u in recorded_run(events)["unmatched"]}
    assert left["L2"] == {"leader_id": "L2", "reason": "removed_by_admin", "detail": "on leave"}


def test_publishing_turns_each_proposal_into_a_pairing_and_happens_once(story):
    run = story.run(P, seed=3)
    events = story.handle(c.PublishRun(run["match_run_id"], ADMIN))
    assert published(events) == ["published", "published"]
    assert recorded_run(events)["status"] == "published"
    pairings = story.uow.pairings.of_program(P)
    assert {p["state"] for p in pairings} == {"published"} and len(pairings) == 2
    with pytest.raises(Conflict) as again:
        story.handle(c.PublishRun(run["match_run_id"], ADMIN))
    assert again.value.extra["code"] == "already_published"


def test_a_dry_run_cannot_be_published(story):
    dry = story.run(P, dry_run=True)
    with pytest.raises(Conflict) as refused:
        story.handle(c.PublishRun(dry["match_run_id"], ADMIN))
    assert refused.value.extra["code"] == "dry_run"

"""A pairing's life through the bus on the in-memory unit of work: answers, ends, at-risk, conflicts.
The rematch each freed place asks for is a follow-up the bus runs, not a call from the use case."""

from __future__ import annotations

import json

import pytest

from services.matching.service import commands as c
from services.matching.service import pairings as pairing_handlers
from shared.errors import Conflict, NotFound, Unprocessable
from tests.unit.matching.story import (
    ADMIN,
    Story,
    participant,
    published,
    recorded_pairing,
    story_of,
)

P = "life"


@pytest.fixture
def story() -> Story:
    return story_of(P, ("E101", "E102", "E201"), published_run=True)


def _pairing_id(story: Story) -> str:
    return story.pairing_of(P, "L1")["pairing_id"]


def test_both_sides_accepting_make_the_pairing_active(story):
    first = story.handle(c.AcceptPairing(_pairing_id(story), participant("E101")))
    second = story.handle(c.AcceptPairing(_pairing_id(story), participant("E201")))
    assert published(first) == ["accepted"] and published(second) == ["accepted", "activated"]
    assert recorded_pairing(second)["state"] == "active"


def test_only_the_two_sides_may_answer_a_pairing(story):
    with pytest.raises(NotFound):
        story.handle(c.AcceptPairing(_pairing_id(story), participant("E102")))


def test_a_decline_publishes_only_its_reason_code_and_keeps_the_free_text_in_matching(story):
    text = "my manager Alice Example is on sick leave"
    events = story.handle(c.DeclinePairing(_pairing_id(story), participant("E201"), "workload", text))
    declined = next(e for e in events if e.type == "mentoring.pairing.declined.v1")
    assert declined.data["decline_reason"] == "workload" and declined.data["reason"] is None
    assert text not in json.dumps(declined.data)
    relayed = [e for e in story.uow.pending() if e.type == "mentoring.pairing.declined.v1"]
    assert relayed and all(text not in json.dumps(e.data) for e in relayed)
    assert story.uow.pairings.get(_pairing_id(story))["decline_text"] == text
    assert recorded_pairing(events)["decline_text"] == text


def test_a_decline_waitlists_the_leader_and_the_freed_place_goes_to_the_waitlist_at_once(story):
    story.handle(c.DeclinePairing(_pairing_id(story), participant("E201"), "schedule_conflict"))
    assert story.waiting(P) == {"L1": "declined", "L2": "capacity_exhausted"}
    rematches = story.runs_of(P, kind="rematch")
    assert [(p["leader_id"], p["junior_id"]) for r in rematches for p in r["proposals"]] == [("L2", "J1")]


def test_a_declining_handler_alone_runs_no_solver(story):
    """The rematch belongs to the bus's follow-ups: the use case itself never starts a run."""
    pairing_handlers.decline_pairing(
        c.DeclinePairing(_pairing_id(story), participant("E201"), "other"), story.uow
    )
    assert story.runs_of(P, kind="rematch") == []


def test_ending_early_waitlists_the_leader_and_a_second_end_is_refused(story):
    events = story.handle(c.EndPairing(_pairing_id(story), participant("E101"), "early", "moved abroad"))
    assert published(events) == ["ended"] and story.waiting(P)["L1"] == "ended_early"
    with pytest.raises(Conflict) as refused:
        story.handle(c.EndPairing(_pairing_id(story), ADMIN, "planned", "done"))
    assert refused.value.extra["code"] == "invalid_transition"


def test_an_at_risk_signal_ends_the_pairing_and_rematches_the_leader_once(story):
    events = story.handle(c.MarkPairingAtRisk(_pairing_id(story), "three missed sessions"))
    assert published(events) == ["ended", "rematch_requested"]
    assert story.uow.pairings.get(_pairing_id(story))["end_kind"] == "rematch"
    assert story.waiting(P)["L1"] == "at_risk"
    assert len(story.runs_of(P, kind="rematch")) == 1
    assert story.handle(c.MarkPairingAtRisk(_pairing_id(story), "again")) == []  # redelivered


def test_an_admin_declared_conflict_excludes_the_pair_from_later_runs(story):
    story.handle(c.EndPairing(_pairing_id(story), ADMIN, "planned", "done"))
    events = story.handle(c.AddConflict(P, ADMIN, "E102", "E201", "same team next quarter"))
    assert events[0].record["declared_by"] == ADMIN.subject
    assert story.uow.conflicts.of_leaders(["E102"])[0]["junior_employee_id"] == "E201"
    with pytest.raises(Unprocessable) as nothing_left:
        story.run(P)  # L1-J1 paired before, L2-J1 in conflict
    assert nothing_left.value.extra["code"] == "all_pairs_infeasible"

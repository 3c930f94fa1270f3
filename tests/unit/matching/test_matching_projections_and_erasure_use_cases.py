"""Intake's events through the bus on the in-memory unit of work: projections, withdrawal, erasure."""

from __future__ import annotations

import json

import pytest

from services.matching.service import commands as c
from services.matching.service import erasure
from shared.contracts.types import (
    OrgChartEmployeeUpserted,
    ParticipantErased,
    ParticipantRegistered,
    ParticipantWithdrawn,
    ProgramStatusChanged,
)
from tests.unit.matching.story import (
    Story,
    participant,
    person,
    program,
    published,
    story_of,
)

P = "people"


@pytest.fixture
def story() -> Story:
    return story_of(P, ("E1", "E2", "E10"))


def _active(story: Story, leader: tuple[str, str], junior_employee_id: str) -> str:
    story.publish(story.run(P, seed=1))
    pairing_id = story.pairing_of(P, leader[0])["pairing_id"]
    story.handle(c.AcceptPairing(pairing_id, participant(leader[1])))
    story.handle(c.AcceptPairing(pairing_id, participant(junior_employee_id)))
    return pairing_id


def test_a_program_is_projected_and_an_older_event_changes_nothing(story):
    newer = program(P, status="running")
    story.handle(c.ProjectProgram(newer, story.intake_event(ProgramStatusChanged, newer)))
    older = program(P, status="closed")
    stale = story.intake_event(ProgramStatusChanged, older)
    stale = (
        type(stale)(**{**stale.__dict__, "time": "2020-01-01T00:00:00Z"})
        if hasattr(stale, "__dict__")
        else stale
    )
    story.handle(c.ProjectProgram(older, stale))
    assert story.uow.projection.program(P)["status"] == "running"


def test_a_reporting_line_is_projected(story):
    line = {"employee_id": "E10", "manager_id": "E1"}
    story.handle(c.ProjectReportingLine("E10", "E1", story.intake_event(OrgChartEmployeeUpserted, line)))
    assert story.uow.projection.reporting_lines(["E10"])["E10"] == "E1"


def test_a_junior_joining_lets_a_waitlisted_leader_be_rematched_once_per_event(story):
    story.publish(story.run(P, seed=1))
    junior = person(P, "J2", "junior", "E20", topics_to_teach=["gen-z-consumer-trends"])
    registered = story.intake_event(ParticipantRegistered, junior)
    story.handle(c.ProjectParticipant(junior, registered))
    story.handle(c.ProjectParticipant(junior, registered))  # redelivered
    rematches = story.runs_of(P, kind="rematch")
    assert [(p["leader_id"], p["junior_id"]) for r in rematches for p in r["proposals"]] == [("L2", "J2")]


def test_a_withdrawn_junior_ends_their_pairing_early_and_their_leader_waits_again(story):
    pairing_id = _active(story, ("L1", "E1"), "E10")
    ref = {"participant_id": "J1", "program_id": P, "employee_id": "E10", "reason": None}
    events = story.handle(c.WithdrawParticipant("J1", P, story.intake_event(ParticipantWithdrawn, ref)))
    assert published(events) == ["ended"]
    ended = story.uow.pairings.get(pairing_id)
    assert (ended["state"], ended["end_kind"], ended["reason"]) == ("ended", "early", "participant withdrew")
    assert story.waiting(P)["L1"] == "partner_withdrew"
    assert story.uow.projection.participant("J1")["status"] == "withdrawn"


def test_erasing_E1_scrubs_exactly_E1_and_leaves_E10_intact(story):
    """Regression: a substring replace turned ``E10`` into ``erased0`` when ``E1`` was erased."""
    run = story.run(P, seed=1)
    warning = "org chart: manager E10 of E1 is unknown; E1 -> E10 -> E1"
    story.uow.runs.save(
        run["match_run_id"], story.uow.runs.get(run["match_run_id"])["_version"], {"warnings": [warning]}
    )
    ref = {"participant_id": "L1", "program_id": P}
    story.handle(c.EraseParticipant("L1", P, None, story.intake_event(ParticipantErased, ref)))
    scrubbed = story.uow.runs.get(run["match_run_id"])
    assert scrubbed["warnings"] == ["org chart: manager E10 of erased is unknown; erased -> E10 -> erased"]
    assert "L1" not in scrubbed["participant_ids"]
    assert {p["leader_id"] for p in scrubbed["proposals"]} == {"erased"}
    assert "erased0" not in json.dumps(scrubbed, default=str)


def test_erasure_removes_the_decline_text_and_the_rematch_is_a_follow_up(story):
    story.publish(story.run(P, seed=1))
    pairing_id = story.pairing_of(P, "L1")["pairing_id"]
    story.handle(c.DeclinePairing(pairing_id, participant("E10"), "other", "I know E1 from my old team"))
    ref = {"participant_id": "J1", "program_id": P}
    erased = story.intake_event(ParticipantErased, ref)
    runs_before = len(story.runs_of(P))
    events = erasure.erase_participant(c.EraseParticipant("J1", P, None, erased), story.uow)
    assert published(events) == [] and len(story.runs_of(P)) == runs_before  # no solver inline
    record = story.uow.pairings.get(pairing_id)
    assert record["decline_text"] is None and record["junior_employee_id"] is None
    assert "E10" not in json.dumps(record, default=str)
    assert story.uow.projection.participant("J1")["status"] == "erased"


def test_erasing_a_junior_in_a_live_pairing_ends_it_and_asks_for_a_rematch(story):
    pairing_id = _active(story, ("L1", "E1"), "E10")
    ref = {"participant_id": "J1", "program_id": P}
    events = story.handle(c.EraseParticipant("J1", P, None, story.intake_event(ParticipantErased, ref)))
    assert published(events) == ["ended"]
    ended = story.uow.pairings.get(pairing_id)
    assert (ended["end_kind"], ended["reason"], ended["junior_employee_id"]) == ("erased", "erased", None)
    assert story.waiting(P)["L1"] == "partner_erased"
    assert story.uow.conflicts.of_leaders(["E1"]) == []

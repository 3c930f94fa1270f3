"""Erasure leaves nothing of the person (a tombstone that later events respect) and the outcome report is
built from each pairing's counters, for hr and the program's own admins."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from services.feedback.domain.outcomes import EARLY_CLOSURE_ANCHOR, to_csv
from services.feedback.service import commands as c
from services.feedback.service.outcomes import outcome_report
from services.feedback.service.projections import ProjectParticipant
from shared.errors import Forbidden
from shared.messages import ForgetParticipant
from tests.unit.feedback.story import ADMIN, HR, OTHER_ADMIN, PROGRAM, START, end, person

TYPED = (
    "Use an AI assistant weekly",
    "Walked through TikTok",
    "I felt rushed",
    "Our ads read as boomer",
    "Test UGC",
)


def _write_everything(bus, clock):
    clock.advance(days=3)
    bus.handle(c.SetGoal(person("J1"), "pr-1", "g-j", {"area": "strategy", "title": TYPED[0]}))
    bus.handle(c.SetGoal(person("L1"), "pr-1", "g-l", {"area": "ai-tools", "title": "Leader's own goal"}))
    session = {
        "held_on": date(2026, 3, 4),
        "duration_minutes": 30,
        "topics": ["Reels"],
        "shared_notes": TYPED[1],
        "private_notes": TYPED[2],
    }
    bus.handle(c.LogCheckIn(person("J1"), "pr-1", "ci-1", session))
    bus.handle(
        c.LogCheckIn(
            person("L1"),
            "pr-1",
            "ci-2",
            {**session, "shared_notes": "Leader's notes", "private_notes": "Leader's private"},
        )
    )
    bus.handle(
        c.RaiseInsight(
            person("J1"),
            "pr-1",
            "in-1",
            {"area": "ads", "description": TYPED[3], "suggested_action": TYPED[4]},
        )
    )
    bus.handle(c.ActOnInsight(person("L1"), "pr-1", "in-1", "Changed the brief"))


def _everything(uow) -> str:
    stored = {name: docs.documents for name, docs in uow.collections.items()}
    return json.dumps([stored, uow.schedule.documents], default=str)


def test_erasure_leaves_no_id_or_text_of_the_person_and_keeps_the_other_sides_records(bus, uow, clock):
    _write_everything(bus, clock)
    bus.handle(ForgetParticipant("J1"))
    everything = _everything(uow)
    for typed in TYPED:
        assert typed not in everything
    assert "E-J1" not in everything
    holding_id = [
        (name, key)
        for name, docs in uow.collections.items()
        for key, doc in docs.documents.items()
        if "J1" in json.dumps({k: v for k, v in doc.items() if k != "_id"}, default=str) or "J1" in key
    ]
    assert holding_id == [("participants", "J1")]  # the tombstone, and nothing in it but the id
    assert uow.collections["participants"].documents["J1"]["status"] == "erased"
    assert [g["goal_id"] for g in uow.goals.of_pairing("pr-1")] == ["g-l"]
    kept = {ci["check_in_id"]: ci for ci in uow.check_ins.of_pairing("pr-1")}
    assert kept["ci-1"]["logged_by"] == "erased" and kept["ci-1"]["duration_minutes"] == 30
    assert kept["ci-2"]["private_notes"] == {"L1": "Leader's private"}
    [insight] = uow.insights.of_pairing("pr-1")
    assert insight["status"] == "acted_upon" and insight["what_changed"] == "Changed the brief"


def test_an_end_that_arrives_after_the_erasure_recreates_nothing_that_names_the_person(bus, uow, clock):
    bus.handle(ForgetParticipant("J1"))
    end(bus, "pr-1", START + timedelta(days=5), "erased", "evt-end-after-erasure")
    pairing = uow.pairings.get("pr-1")
    assert pairing["state"] == "ended" and pairing["junior_id"] == "erased" and pairing["leader_id"] == "L1"
    registration = {
        "participant_id": "J1",
        "program_id": PROGRAM,
        "employee_id": "E-J1",
        "role": "junior",
        "department": "Sales",
        "status": "enrolled",
    }
    bus.handle(ProjectParticipant(registration, START + timedelta(days=6), "evt-late-update"))
    assert "E-J1" not in _everything(uow)


def test_the_outcome_report_counts_from_the_pairings_for_hr_and_the_programs_admins(bus, uow, clock):
    _write_everything(bus, clock)
    bus.handle(c.UpdateGoalProgress(person("L1"), "pr-1", "g-l", None, None, "achieved"))
    end(bus, "pr-2", START + timedelta(days=10), "early")
    report = outcome_report(uow, PROGRAM, HR)
    assert report["pairs"] == {"formed": 2, "active": 1, "ended": 1, "ended_early": 1}
    assert report["early_closure_rate"] == 0.5 and report["early_closure_anchor"] == EARLY_CLOSURE_ANCHOR
    assert report["goals"] == {"set": 2, "achieved": 1, "attainment_rate": 0.5}
    assert report["check_ins"] == {"total": 2, "per_pairing": 1.0}
    assert report["insights"] == {"raised": 1, "acknowledged": 1, "acted_upon": 1, "median_days_to_act": 0.0}
    assert outcome_report(uow, PROGRAM, ADMIN) == report
    with pytest.raises(Forbidden):
        outcome_report(uow, PROGRAM, OTHER_ADMIN)
    with pytest.raises(Forbidden):
        outcome_report(uow, PROGRAM, person("J1"))
    csv = to_csv(report)
    assert "early_closure_rate,0.5\n" in csv and "goals.attainment_rate,0.5\n" in csv

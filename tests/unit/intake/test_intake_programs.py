"""Program aggregate: validation of focus, rules and dates; lifecycle; the events it emits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.intake.domain import (
    ALLOWED_TRANSITIONS,
    InvalidInput,
    InvalidTransition,
    Program,
    ProgramCreated,
    ProgramStatusChanged,
    ProgramUpdated,
)
from services.intake.domain.errors import Conflict
from shared.vocabulary import DEFAULT_WEIGHTS


def create(now, **overrides):
    values = {
        "name": "EMEA 2027",
        "focus_areas": ["digital-transformation"],
        "starts_on": "2027-01-10",
        "ends_on": "2027-06-30",
        "admins": ["E000001"],
    } | overrides
    return Program.create("prog-1", now=now, **values)


def test_new_program_starts_in_draft_and_emits_created_with_the_contract_payload(now):
    program, events = create(now, custom_focus_areas=["custom:retail-media"])
    assert program.status == "draft"
    assert [type(e) for e in events] == [ProgramCreated]
    assert events[0].type == "mentoring.program.created.v1"
    assert events[0].topic == "mentoring.programs.v1"
    assert events[0].key == "prog-1"
    assert events[0].data["starts_on"] == "2027-01-10"
    assert events[0].data["custom_focus_areas"] == ["custom:retail-media"]
    assert set(events[0].data["rules"]["weights"]) == {
        "topic_fit",
        "reverse_fit",
        "availability",
        "language",
        "focus",
        "diversity",
    }
    assert events[0].schema().validate(events[0].data) == {}


def test_every_invalid_program_field_is_reported_at_once(now):
    with pytest.raises(InvalidInput) as caught:
        create(
            now,
            name="",
            focus_areas=["knitting"],
            custom_focus_areas=["Retail Media"],
            ends_on="2026-01-01",
            admins=[],
        )
    assert {"name", "focus_areas", "custom_focus_areas", "ends_on", "admins"} <= set(caught.value.errors)
    assert "knitting" in caught.value.errors["focus_areas"][0]


def test_cohort_must_end_after_it_starts(now):
    with pytest.raises(InvalidInput) as caught:
        create(now, starts_on=date(2027, 3, 1), ends_on=date(2027, 3, 1))
    assert "must be after starts_on" in caught.value.errors["ends_on"][0]


def test_custom_area_in_the_curated_list_points_to_custom_focus_areas(now):
    with pytest.raises(InvalidInput) as caught:
        create(now, focus_areas=["custom:retail-media"])
    assert "custom_focus_areas" in caught.value.errors["focus_areas"][0]


def test_program_with_only_custom_focus_areas_is_valid(now):
    program, _ = create(now, focus_areas=[], custom_focus_areas=["custom:retail-media"])
    assert program.custom_areas == {"custom:retail-media"}


def test_program_without_any_focus_area_is_refused(now):
    with pytest.raises(InvalidInput) as caught:
        create(now, focus_areas=[])
    assert "focus_areas" in caught.value.errors


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"min_seniority_gap": -1}, "rules.min_seniority_gap"),
        ({"min_seniority_gap": 2.5}, "rules.min_seniority_gap"),
        ({"min_timezone_overlap_hours": 41}, "rules.min_timezone_overlap_hours"),
        ({"min_timezone_overlap_hours": float("nan")}, "rules.min_timezone_overlap_hours"),
        ({"junior_capacity_default": 6}, "rules.junior_capacity_default"),
        ({"junior_capacity_default": 0}, "rules.junior_capacity_default"),
        ({"languages": ["klingon-xx"]}, "rules.languages"),
        ({"weights": {"topic_fit": -0.1}}, "rules.weights"),
        ({"weights": {"topic_fit": 1.5}}, "rules.weights"),
        ({"weights": dict.fromkeys(DEFAULT_WEIGHTS, 0)}, "rules.weights"),
        ({"weights": {"charisma": 1}}, "rules.weights"),
        ({"max_pairs": 3}, "rules.max_pairs"),
    ],
)
def test_rules_outside_their_bounds_are_refused_per_rule(now, rules, field):
    with pytest.raises(InvalidInput) as caught:
        create(now, rules=rules)
    assert field in caught.value.errors


def test_rules_at_their_bounds_are_accepted_and_languages_normalised(now):
    program, _ = create(
        now,
        rules={
            "min_seniority_gap": 0,
            "min_timezone_overlap_hours": 40,
            "junior_capacity_default": 5,
            "languages": ["en-us", "EN-US", "pt"],
            "weights": {"topic_fit": 1},
        },
    )
    assert program.rules.languages == ("en-US", "pt")
    assert program.rules.to_dict()["weights"] == {**DEFAULT_WEIGHTS, "topic_fit": 1.0}


def test_a_weight_left_out_keeps_the_value_beneath_it_on_create_and_on_update(now):
    """One meaning of a missing weight everywhere (intake, the contract, matching's run overrides): it keeps
    the value beneath it, never counts 0."""
    program, _ = create(now, rules={"weights": {"topic_fit": 0, "focus": 0}})
    assert program.rules.to_dict()["weights"] == {**DEFAULT_WEIGHTS, "topic_fit": 0.0, "focus": 0.0}
    program.update({"rules": {"weights": {"diversity": 1}}}, now=now)
    assert program.rules.to_dict()["weights"] == {
        **DEFAULT_WEIGHTS,
        "topic_fit": 0.0,
        "focus": 0.0,
        "diversity": 1.0,
    }


def test_update_merges_rules_and_emits_updated_only_when_something_changed(now):
    program, _ = create(now, rules={"min_seniority_gap": 3})
    later = now + timedelta(hours=1)
    assert program.update({"name": "EMEA 2027"}, now=later) == []
    events = program.update({"rules": {"junior_capacity_default": 2}}, now=later)
    assert [type(e) for e in events] == [ProgramUpdated]
    assert program.rules.min_seniority_gap == 3  # untouched rule kept
    assert events[0].data["rules"]["junior_capacity_default"] == 2
    assert program.updated_at == later


def test_invalid_update_changes_nothing(now):
    program, _ = create(now)
    with pytest.raises(InvalidInput):
        program.update({"name": "New name", "ends_on": "2020-01-01"}, now=now)
    assert program.name == "EMEA 2027"


def test_status_cannot_be_changed_through_update(now):
    program, _ = create(now)
    with pytest.raises(InvalidInput) as caught:
        program.update({"status": "running"}, now=now)
    assert "status" in caught.value.errors


def test_lifecycle_runs_draft_to_closed_emitting_status_changed(now):
    program, _ = create(now)
    seen = []
    for status in ("enrolling", "matching", "running", "closed"):
        events = program.transition(status, now=now)
        assert [type(e) for e in events] == [ProgramStatusChanged]
        assert events[0].type == "mentoring.program.status_changed.v1"
        seen.append(events[0].data["status"])
    assert seen == ["enrolling", "matching", "running", "closed"]
    assert program.closed_at == now


@pytest.mark.parametrize(
    ("path", "target"),
    [((), "running"), ((), "matching"), (("enrolling",), "running"), (("enrolling",), "enrolling")],
)
def test_skipping_or_repeating_a_lifecycle_step_is_an_invalid_transition(now, path, target):
    program, _ = create(now)
    for status in path:
        program.transition(status, now=now)
    before = program.status
    with pytest.raises(InvalidTransition) as caught:
        program.transition(target, now=now)
    assert program.status == before
    assert caught.value.allowed == ALLOWED_TRANSITIONS[before]


def test_closed_program_refuses_every_transition_and_every_update(now):
    program, _ = create(now)
    program.transition("closed", now=now)
    for status in ("draft", "enrolling", "matching", "running", "closed"):
        with pytest.raises(InvalidTransition):
            program.transition(status, now=now)
    with pytest.raises(Conflict):
        program.update({"name": "again"}, now=now)


def test_matching_can_reopen_enrolment(now):
    program, _ = create(now)
    program.transition("enrolling", now=now)
    program.transition("matching", now=now)
    program.transition("enrolling", now=now)
    assert program.status == "enrolling"


def test_unknown_status_is_invalid_input_not_a_transition(now):
    program, _ = create(now)
    with pytest.raises(InvalidInput):
        program.transition("paused", now=now)


def test_program_survives_a_record_round_trip(now):
    program, _ = create(now, rules={"languages": ["en", "de"]})
    program.transition("enrolling", now=now)
    assert Program.from_record(program.to_record()) == program

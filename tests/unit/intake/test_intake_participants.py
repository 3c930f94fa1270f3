"""Participant aggregate: registration rules, updates, withdrawal, re-enrolment, consent and erasure."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from services.intake.domain import (
    Conflict,
    ContactErased,
    InvalidInput,
    Participant,
    ParticipantErased,
    ParticipantRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
)


def register(program, values, now, participant_id="part-1"):
    return Participant.register(program, participant_id, values, now=now)


def errors_of(program, values, now):
    with pytest.raises(InvalidInput) as caught:
        register(program, values, now)
    return caught.value.errors


def test_registered_leader_emits_an_event_whose_payload_matches_the_published_schema(
    program, leader_values, now
):
    leader, events = register(program, leader_values, now)
    assert [type(e) for e in events] == [ParticipantRegistered]
    event = events[0]
    assert (event.type, event.topic, event.key) == (
        "mentoring.participant.registered.v1",
        "mentoring.participants.v1",
        "part-1",
    )
    assert event.data["status"] == "enrolled"
    assert event.data["capacity"] is None
    assert event.schema().validate(event.data) == {}
    assert leader.consent.matching is True


def test_junior_without_capacity_takes_the_program_default(program, junior_values, now):
    program.update({"rules": {"junior_capacity_default": 3}}, now=now)
    junior, _ = register(program, junior_values, now)
    assert junior.capacity == 3


def test_junior_may_teach_the_programs_custom_areas_but_not_unknown_ones(program, junior_values, now):
    junior, _ = register(program, junior_values, now)
    assert "custom:retail-media" in junior.topics_to_teach
    errors = errors_of(program, junior_values | {"topics_to_teach": ["custom:crypto"]}, now)
    assert "custom:crypto" in errors["topics_to_teach"][0]


def test_languages_are_normalised_to_bcp47_and_deduplicated(program, leader_values, now):
    leader, _ = register(program, leader_values | {"languages": ["en-us", "EN-US", "pt_BR"]}, now)
    assert leader.languages == ["en-US", "pt-BR"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"level": 0}, "level"),
        ({"level": 13}, "level"),
        ({"level": "9"}, "level"),
        ({"level": True}, "level"),
        ({"level": 9.5}, "level"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": "CEST+2"}, "timezone"),
        ({"languages": []}, "languages"),
        ({"languages": ["zz-qq-123456789"]}, "languages"),
        ({"topics_to_learn": []}, "topics_to_learn"),
        ({"topics_to_learn": ["tiktok-dances"]}, "topics_to_learn"),
        ({"strengths": ["golf"]}, "strengths"),
        ({"growth_goals": ["leadership", "juggling"]}, "growth_goals"),
        ({"capacity": 2}, "capacity"),
        ({"manager_id": "E000100"}, "manager_id"),
        ({"employee_id": "not an id!"}, "employee_id"),
        ({"role": "mentor"}, "role"),
        ({"department": "x" * 121}, "department"),
        ({"consent": {"matching": True, "data_processing": False}}, "consent"),
        ({"consent": {"matching": "yes", "data_processing": True}}, "consent"),
        ({"nickname": "Bob"}, "nickname"),
    ],
)
def test_invalid_leader_fields_are_refused_with_a_message_naming_the_field(
    program, leader_values, now, change, field
):
    errors = errors_of(program, leader_values | change, now)
    assert field in errors
    assert errors[field][0]


@pytest.mark.parametrize(
    ("windows", "fragment"),
    [
        ([{"day": 7, "start": "09:00", "end": "10:00"}], "day must be 0"),
        ([{"day": 0, "start": "9:00", "end": "10:00"}], "HH:MM"),
        ([{"day": 0, "start": "10:00", "end": "10:00"}], "before end"),
        ([{"day": 0, "start": "25:00", "end": "26:00"}], "HH:MM"),
        (
            [{"day": 1, "start": "09:00", "end": "11:00"}, {"day": 1, "start": "10:30", "end": "12:00"}],
            "overlap on Tuesday",
        ),
        (
            [
                {"day": d % 7, "start": f"{h:02d}:00", "end": f"{h:02d}:30"}
                for d in range(7)
                for h in range(4)
            ],
            "21",
        ),
        ([{"day": 0, "start": "09:00"}], "exactly day, start and end"),
    ],
)
def test_bad_availability_windows_are_refused(program, leader_values, now, windows, fragment):
    errors = errors_of(program, leader_values | {"availability": windows}, now)
    assert fragment in errors["availability"][0]


def test_touching_windows_are_fine_and_come_back_sorted(program, leader_values, now):
    windows = [
        {"day": 3, "start": "10:00", "end": "24:00"},
        {"day": 3, "start": "09:00", "end": "10:00"},
        {"day": 0, "start": "08:00", "end": "09:00"},
    ]
    leader, _ = register(program, leader_values | {"availability": windows}, now)
    assert [(w["day"], w["start"]) for w in leader.availability] == [(0, "08:00"), (3, "09:00"), (3, "10:00")]


def test_junior_needs_topics_to_teach(program, junior_values, now):
    errors = errors_of(program, junior_values | {"topics_to_teach": []}, now)
    assert errors == {"topics_to_teach": ["a junior needs at least one topic to teach"]}


def test_missing_required_fields_are_all_reported(program, now):
    errors = errors_of(program, {"consent": {"matching": True, "data_processing": True}}, now)
    assert {"employee_id", "role", "level", "timezone", "languages"} <= set(errors)


def test_closed_program_takes_no_registrations(program, leader_values, now):
    program.transition("closed", now=now)
    with pytest.raises(Conflict):
        register(program, leader_values, now)


def test_update_emits_updated_only_when_a_value_changes(program, leader_values, now):
    leader, _ = register(program, leader_values, now)
    assert leader.update({"level": 10, "languages": ["en", "pt"]}, program, now=now) == []
    events = leader.update({"level": 11}, program, now=now + timedelta(minutes=1))
    assert [type(e) for e in events] == [ParticipantUpdated]
    assert events[0].data["level"] == 11


def test_invalid_update_leaves_the_participant_untouched(program, leader_values, now):
    leader, _ = register(program, leader_values, now)
    before = dataclasses.replace(leader)
    with pytest.raises(InvalidInput):
        leader.update({"level": 11, "timezone": "Nowhere/Land"}, program, now=now)
    assert leader == before


@pytest.mark.parametrize("field", ["employee_id", "role", "program_id", "consent", "status"])
def test_identity_consent_and_status_cannot_be_changed_by_update(program, leader_values, now, field):
    leader, _ = register(program, leader_values, now)
    with pytest.raises(InvalidInput) as caught:
        leader.update({field: "x"}, program, now=now)
    assert field in caught.value.errors


def test_withdraw_then_reenrol_round_trip(program, leader_values, now):
    leader, _ = register(program, leader_values, now)
    withdrawn = leader.withdraw("too busy this quarter", now=now)
    assert [type(e) for e in withdrawn] == [ParticipantWithdrawn]
    assert withdrawn[0].data == {
        "participant_id": "part-1",
        "program_id": program.program_id,
        "employee_id": None,
        "reason": None,
    }
    assert leader.withdrawal_reason == "too busy this quarter"  # kept in intake, never on the wire
    assert withdrawn[0].schema().validate(withdrawn[0].data) == {}
    with pytest.raises(Conflict):
        leader.withdraw(now=now)
    back = leader.reenrol(program, now=now)
    assert [type(e) for e in back] == [ParticipantUpdated]
    assert leader.status == "enrolled" and leader.withdrawal_reason is None
    with pytest.raises(Conflict):
        leader.reenrol(program, now=now)


def test_erasure_keeps_only_ids_and_emits_ids_only_events_for_participants_and_contacts(
    program, leader_values, now
):
    leader, _ = register(program, leader_values, now)
    events = leader.erase(now=now)
    assert [type(e) for e in events] == [ParticipantErased, ContactErased]
    for event in events:
        assert event.key == "part-1"
        assert event.data == {"participant_id": "part-1", "program_id": program.program_id}
        assert event.schema().validate(event.data) == {}
    record = leader.to_record()
    personal = {k: v for k, v in record.items() if k not in {"participant_id", "program_id", "status"}}
    assert all(value in (None, []) or isinstance(value, type(now)) for value in personal.values())
    assert "E000100" not in repr(record) and "Lisbon" not in repr(record)
    assert leader.status == "erased"


def test_erasing_twice_emits_nothing_and_erased_participants_refuse_changes(program, leader_values, now):
    leader, _ = register(program, leader_values, now)
    leader.erase(now=now)
    assert leader.erase(now=now) == []
    with pytest.raises(Conflict):
        leader.update({"level": 9}, program, now=now)
    with pytest.raises(Conflict):
        leader.withdraw(now=now)


def test_withdrawing_data_processing_consent_erases_the_participant(program, junior_values, now):
    junior, _ = register(program, junior_values, now)
    events = junior.update_consent(data_processing=False, now=now)
    assert [type(e) for e in events] == [ParticipantErased, ContactErased]
    assert junior.employee_id is None


def test_withdrawing_matching_consent_withdraws_and_giving_it_back_does_not_reenrol(
    program, junior_values, now
):
    junior, _ = register(program, junior_values, now)
    events = junior.update_consent(matching=False, now=now)
    assert [type(e) for e in events] == [ParticipantWithdrawn]
    assert junior.status == "withdrawn" and junior.withdrawal_reason == "consent-withdrawn"
    assert junior.update_consent(matching=False, now=now) == []
    again = junior.update_consent(matching=True, now=now)
    assert [type(e) for e in again] == [ParticipantUpdated]
    assert junior.status == "withdrawn"


def test_reenrol_without_matching_consent_is_refused(program, junior_values, now):
    junior, _ = register(program, junior_values, now)
    junior.update_consent(matching=False, now=now)
    with pytest.raises(Conflict):
        junior.reenrol(program, now=now)


def test_participant_survives_a_record_round_trip(program, junior_values, now):
    junior, _ = register(program, junior_values, now)
    assert Participant.from_record(junior.to_record()) == junior

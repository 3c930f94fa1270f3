"""HTTP and event schemas: strict bodies, clear per-field messages, one payload schema per published type."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from services.intake import schemas
from shared.contracts.payloads import ParticipantPayload, ParticipantRef, ProgramPayload


def participant_body(**overrides):
    return {
        "program_id": "prog-1",
        "employee_id": "E000100",
        "role": "leader",
        "level": 10,
        "timezone": "Europe/Lisbon",
        "languages": ["en"],
        "topics_to_learn": ["ai-tools"],
        "consent": {"matching": True, "data_processing": True},
    } | overrides


def test_intake_keeps_no_second_copy_of_its_payload_schemas():
    assert not hasattr(schemas, "EVENT_SCHEMAS")
    assert issubclass(schemas.ProgramSchema, ProgramPayload)


def test_unknown_body_fields_are_refused_by_name():
    errors = schemas.ParticipantCreateSchema().validate(participant_body(favourite_colour="teal"))
    assert errors == {"favourite_colour": ["Unknown field."]}


def test_valid_participant_body_loads():
    loaded = schemas.ParticipantCreateSchema().load(participant_body())
    assert loaded["level"] == 10


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"level": 13}, "level", "from 1 (graduate) to 12 (CEO)"),
        ({"level": "10"}, "level", "integer"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA"),
        ({"languages": ["english please"]}, "languages", "BCP 47"),
        ({"role": "boss"}, "role", "leader, junior"),
        ({"strengths": ["golf"]}, "strengths", "golf"),
        ({"topics_to_learn": ["Not A Term"]}, "topics_to_learn", "focus-area term"),
        ({"capacity": 3}, "capacity", "juniors only"),
        ({"topics_to_learn": []}, "topics_to_learn", "at least one topic"),
    ],
)
def test_participant_body_errors_name_the_field_and_say_why(overrides, field, fragment):
    errors = schemas.ParticipantCreateSchema().validate(participant_body(**overrides))
    assert field in errors
    assert fragment in str(errors[field])


def test_overlapping_availability_is_refused_in_the_body():
    windows = [{"day": 0, "start": "09:00", "end": "10:00"}, {"day": 0, "start": "09:30", "end": "11:00"}]
    errors = schemas.ParticipantCreateSchema().validate(participant_body(availability=windows))
    assert "overlap on Monday" in str(errors["availability"])


def test_participant_update_refuses_identity_fields_and_empty_bodies():
    assert "role" in schemas.ParticipantUpdateSchema().validate({"role": "junior"})
    assert schemas.ParticipantUpdateSchema().validate({}) == {
        "_schema": ["send at least one field to change"]
    }
    assert schemas.ParticipantUpdateSchema().validate({"level": 4}) == {}


def test_program_body_checks_dates_weights_and_focus_areas():
    body = {
        "name": "EMEA 2027",
        "focus_areas": ["digital-transformation"],
        "starts_on": "2027-01-10",
        "ends_on": "2027-01-01",
        "admins": ["E000001"],
    }
    assert "ends_on" in schemas.ProgramCreateSchema().validate(body)
    weights = {"rules": {"weights": {"topic_fit": 1.5, "focus": 0}}}
    errors = schemas.ProgramCreateSchema().validate(body | {"ends_on": "2027-06-30"} | weights)
    assert errors["rules"] == {"weights": {"topic_fit": ["must be from 0 to 1"]}}
    errors = schemas.ProgramCreateSchema().validate(
        body | {"ends_on": "2027-06-30", "focus_areas": ["origami"]}
    )
    assert "origami" in str(errors["focus_areas"])


def test_program_admins_may_be_left_out_but_not_sent_empty():
    body = {"name": "X", "focus_areas": ["ai-tools"], "starts_on": "2027-01-10", "ends_on": "2027-06-30"}
    assert schemas.ProgramCreateSchema().validate(body) == {}
    assert "admins" in schemas.ProgramCreateSchema().validate(body | {"admins": []})


def test_status_transition_accepts_only_lifecycle_states():
    assert schemas.StatusTransitionSchema().validate({"status": "running"}) == {}
    assert "status" in schemas.StatusTransitionSchema().validate({"status": "paused"})


def test_list_arguments_paginate_with_defaults_and_cap_page_size():
    assert schemas.ParticipantListArgsSchema().load({}) == {"page": 1, "page_size": 50}
    loaded = schemas.ParticipantListArgsSchema().load({"page": "2", "page_size": "200", "role": "junior"})
    assert loaded == {"page": 2, "page_size": 200, "role": "junior"}
    with pytest.raises(ValidationError) as caught:
        schemas.ParticipantListArgsSchema().load({"page_size": "201", "status": "asleep"})
    assert set(caught.value.messages) == {"page_size", "status"}


def test_consent_update_needs_at_least_one_flag():
    assert schemas.ConsentUpdateSchema().validate({}) != {}
    assert schemas.ConsentUpdateSchema().validate({"data_processing": False}) == {}


def test_participant_payload_schema_refuses_an_erased_status():
    payload = {
        "participant_id": "p",
        "program_id": "g",
        "employee_id": "E1",
        "role": "junior",
        "level": 2,
        "department": None,
        "location": None,
        "timezone": "UTC",
        "languages": ["en"],
        "topics_to_learn": [],
        "topics_to_teach": ["ai-tools"],
        "growth_goals": [],
        "strengths": [],
        "availability": [],
        "capacity": 1,
        "manager_id": None,
        "consent": {"matching": True, "data_processing": True},
        "status": "erased",
    }
    assert "status" in ParticipantPayload().validate(payload)
    assert ParticipantPayload().validate(payload | {"status": "enrolled"}) == {}


def test_reference_payloads_refuse_free_text_reasons_and_unknown_fields():
    assert ParticipantRef().validate({"participant_id": "p", "program_id": "g"}) == {}
    assert "reason" in ParticipantRef().validate({"participant_id": "p", "program_id": "g", "reason": "ill"})
    assert "name" in ParticipantRef().validate({"participant_id": "p", "program_id": "g", "name": "Ann"})

"""Bad input is a 422 problem naming the field, and nothing of it is written."""

from __future__ import annotations

import pytest

from tests.integration.intake.conftest import JUNIOR, LEADER


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"languages": ["en", "english please"]}, "languages"),
        ({"topics_to_teach": ["basket-weaving"]}, "topics_to_teach"),
        ({"growth_goals": ["world-domination"]}, "growth_goals.0"),
        (
            {
                "availability": [
                    {"day": 0, "start": "09:00", "end": "11:00"},
                    {"day": 0, "start": "10:30", "end": "12:00"},
                ]
            },
            "availability",
        ),
        ({"availability": [{"day": 7, "start": "09:00", "end": "11:00"}]}, "availability.0.day"),
        ({"level": 13}, "level"),
        ({"capacity": 9}, "capacity"),
        ({"manager_id": "E000200"}, "manager_id"),
        ({"favourite_colour": "teal"}, "favourite_colour"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_bad_field_is_a_422_naming_it_and_nothing_is_enrolled(intake, change, field):
    program_id = intake.create_program()["program_id"]
    response = intake.client.post(
        "/v1/participants", json={**JUNIOR, **change, "program_id": program_id}, headers=intake.hr
    )
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert [e["field"] for e in body["errors"]] == [field], body
    assert field.split(".")[0] in body["detail"]
    listed = intake.client.get(f"/v1/participants?program_id={program_id}", headers=intake.hr).get_json()
    assert listed["total"] == 0


def test_a_leader_needs_topics_to_learn_and_takes_no_capacity(intake):
    program_id = intake.create_program()["program_id"]
    no_topics = {**LEADER, "topics_to_learn": [], "program_id": program_id}
    response = intake.client.post("/v1/participants", json=no_topics, headers=intake.hr)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "topics_to_learn"


def test_an_invalid_update_changes_nothing(intake):
    program_id = intake.create_program()["program_id"]
    junior = intake.enrol(program_id, JUNIOR)
    path = f"/v1/participants/{junior['participant_id']}"
    bad = intake.client.patch(path, json={"level": 3, "timezone": "Nowhere/Else"}, headers=intake.hr)
    assert bad.status_code == 422 and [e["field"] for e in bad.get_json()["errors"]] == ["timezone"]
    assert intake.client.get(path, headers=intake.hr).get_json() == junior


def test_a_program_with_an_unknown_focus_area_or_reversed_dates_is_refused(intake):
    unknown = intake.client.post(
        "/v1/programs",
        json={"name": "X", "focus_areas": ["astrology"], "starts_on": "2027-01-01", "ends_on": "2027-02-01"},
        headers=intake.admin,
    )
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "focus_areas.0"
    reversed_dates = intake.client.post(
        "/v1/programs",
        json={"name": "X", "focus_areas": ["ai-tools"], "starts_on": "2027-02-01", "ends_on": "2027-01-01"},
        headers=intake.admin,
    )
    assert reversed_dates.status_code == 422 and reversed_dates.get_json()["errors"][0]["field"] == "ends_on"

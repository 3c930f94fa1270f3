"""The common-slot rule end to end on the real servers: an admin sets it through intake's API, it reaches
matching's program projection through Kafka, and a dry run pairs only people who share a slot that long."""

from __future__ import annotations

from services.intake.app import create_app as create_intake
from services.intake.worker import build_worker as intake_worker
from services.matching.app import create_app as create_matching
from services.matching.worker import build_worker as matching_worker
from tests.integration.intake.conftest import JUNIOR, LEADER, PROGRAM
from tests.support.harness import bearer, running, serving, topics_ready, wait_for

WEEKDAYS = range(5)
# 5 hours a week in half-hours (the weekly-total rule of 2 h is met), never an hour in a row
FRAGMENTED = [
    {"day": d, "start": s, "end": e} for d in WEEKDAYS for s, e in (("09:00", "09:30"), ("11:00", "11:30"))
]
STEADY = [{"day": 1, "start": "09:00", "end": "11:00"}]
JUNIOR_WEEK = [{"day": d, "start": "09:00", "end": "12:00"} for d in WEEKDAYS]


def _person(template: dict, employee_id: str, program_id: str, **changes) -> dict:
    person = {key: value for key, value in template.items() if key != "manager_id"}
    return {
        **person,
        "employee_id": employee_id,
        "program_id": program_id,
        "timezone": "Europe/London",
        **changes,
    }


def test_a_program_with_the_common_slot_rule_pairs_only_people_who_share_a_whole_session(settings_for):
    intake_settings, matching_settings = settings_for("intake"), settings_for("matching")
    topics_ready(intake_settings)
    intake_app = create_intake(intake_settings)
    intake = intake_app.test_client()
    matching = create_matching(matching_settings).test_client()
    admin, matching_admin = bearer(intake_settings), bearer(matching_settings)

    created = intake.post("/v1/programs", json={**PROGRAM, "rules": {"languages": ["en"]}}, headers=admin)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["rules"]["min_common_slot_minutes"] is None
    program_id = created.get_json()["program_id"]
    path = f"/v1/programs/{program_id}"
    refused = intake.patch(path, json={"rules": {"min_common_slot_minutes": 481}}, headers=admin)
    assert refused.status_code == 422
    assert "rules.min_common_slot_minutes" in str(refused.get_json())
    changed = intake.patch(path, json={"rules": {"min_common_slot_minutes": 60}}, headers=admin)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["rules"]["min_common_slot_minutes"] == 60
    assert intake.post(f"{path}/status", json={"status": "enrolling"}, headers=admin).status_code == 200
    people = {
        "fragmented": _person(LEADER, "E000101", program_id, availability=FRAGMENTED),
        "steady": _person(LEADER, "E000102", program_id, availability=STEADY),
        "junior": _person(JUNIOR, "E000201", program_id, availability=JUNIOR_WEEK, capacity=2),
    }
    ids = {}
    for name, body in people.items():
        enrolled = intake.post("/v1/participants", json=body, headers=admin)
        assert enrolled.status_code == 201, enrolled.get_json()
        ids[name] = enrolled.get_json()["participant_id"]

    with (
        serving(intake_app) as intake_url,  # matching's worker asks it for the participants' data keys
        running(intake_worker(intake_settings), intake_settings),
        running(matching_worker(matching_settings.with_overrides(intake_url=intake_url)), matching_settings),
    ):
        projected = wait_for(
            lambda: (
                (r := matching.get(path, headers=matching_admin)).status_code == 200
                and r.get_json()["rules"]["min_common_slot_minutes"] == 60
                and r.get_json()
            )
        )
        wait_for(
            lambda: (
                matching.get(
                    "/v1/participants", query_string={"program_id": program_id}, headers=matching_admin
                ).get_json()["total"]
                == 3
            )
        )
        dry = matching.post(
            f"{path}/match-runs",
            json={"dry_run": True, "expected_leaders": 2, "expected_juniors": 1},
            headers=matching_admin,
        )

    assert projected["rules"]["min_timezone_overlap_hours"] == 2.0
    assert dry.status_code == 201, dry.get_json()
    run = dry.get_json()
    assert [(p["leader_id"], p["junior_id"]) for p in run["proposals"]] == [(ids["steady"], ids["junior"])]
    assert "common_slot" in run["proposals"][0]["constraints_checked"]
    assert [(u["leader_id"], u["reason"]) for u in run["unmatched"]] == [
        (ids["fragmented"], "no_feasible_junior")
    ]
    assert "common_slot rules out 1" in run["unmatched"][0]["detail"]
    why = matching.get(
        f"/v1/match-runs/{run['match_run_id']}/explain",
        query_string={"leader": ids["fragmented"], "junior": ids["junior"]},
        headers=matching_admin,
    ).get_json()
    assert why["feasible"] is False
    assert why["violated"] == [
        {
            "constraint": "common_slot",
            "detail": "longest slot both are free 30 min/week < program session 60 min",
        }
    ]

"""Programs: the lifecycle, its refusals as 409 problem+json, admin-only changes, lists."""

from __future__ import annotations

import time

from services.intake.app import create_app
from services.intake.service.ports import PROGRAM_READ_REUSE_S
from shared.contracts import PROGRAMS
from tests.integration.intake.conftest import JUNIOR, LEADER, PROGRAM


def test_a_program_moves_through_its_whole_lifecycle_and_each_step_is_published(
    intake, assert_published_contract
):
    program = intake.create_program(status="draft")
    program_id = program["program_id"]
    for status in ("enrolling", "matching", "enrolling", "matching", "running", "closed"):
        assert intake.transition(program_id, status)["status"] == status
    closed = intake.client.get(f"/v1/programs/{program_id}", headers=intake.admin).get_json()
    assert closed["status"] == "closed" and closed["closed_at"]

    with intake.worker():
        envelopes = intake.published(PROGRAMS, expected=7)
    assert [e["type"].split(".")[2] for e in envelopes] == ["created"] + ["status_changed"] * 6
    assert [e["data"]["status"] for e in envelopes][-3:] == ["matching", "running", "closed"]
    assert {e["_key"] for e in envelopes} == {program_id}
    assert_published_contract(envelopes)


def test_an_invalid_transition_is_a_409_problem_naming_the_allowed_next_states(intake):
    program_id = intake.create_program(status="draft")["program_id"]
    response = intake.client.post(
        f"/v1/programs/{program_id}/status", json={"status": "running"}, headers=intake.admin
    )
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 409 and "enrolling, closed" in body["detail"]
    assert body["errors"] == [{"field": "status", "message": body["detail"]}]

    intake.transition(program_id, "closed")
    reopened = intake.client.post(
        f"/v1/programs/{program_id}/status", json={"status": "enrolling"}, headers=intake.admin
    )
    assert reopened.status_code == 409 and "closed" in reopened.get_json()["detail"]


def test_a_closed_program_refuses_changes_and_new_participants(intake):
    program_id = intake.create_program(status="closed")["program_id"]
    patch = intake.client.patch(f"/v1/programs/{program_id}", json={"name": "New"}, headers=intake.admin)
    assert patch.status_code == 409
    enrol = intake.client.post(
        "/v1/participants", json={**JUNIOR, "program_id": program_id}, headers=intake.hr
    )
    assert enrol.status_code == 409


def test_enrolment_stops_at_once_where_the_program_closed_and_within_a_second_on_other_replicas(intake):
    program_id = intake.create_program(status="enrolling")["program_id"]
    other_replica = create_app(intake.settings).test_client()

    def enrol(client, values):
        return client.post("/v1/participants", json={**values, "program_id": program_id}, headers=intake.hr)

    assert enrol(other_replica, JUNIOR).status_code == 201  # the other replica now knows the program
    for step in ("matching", "running", "closed"):
        intake.transition(program_id, step)
    assert enrol(intake.client, LEADER).status_code == 409  # this replica closed it: refused at once
    time.sleep(PROGRAM_READ_REUSE_S + 0.2)
    refused = enrol(other_replica, LEADER)
    assert refused.status_code == 409 and "closed" in refused.get_json()["detail"]


def test_only_the_programs_own_admins_may_change_it(intake):
    program_id = intake.create_program(status="draft")["program_id"]
    other_admin = intake.token("E000002", "admin")
    for method, path, body in (
        ("patch", f"/v1/programs/{program_id}", {"name": "Hijacked"}),
        ("post", f"/v1/programs/{program_id}/status", {"status": "enrolling"}),
        ("post", f"/v1/programs/{program_id}/purge", None),
    ):
        response = getattr(intake.client, method)(path, json=body, headers=other_admin)
        assert response.status_code == 403, (path, response.get_json())
    hr_only = intake.client.patch(f"/v1/programs/{program_id}", json={"name": "X"}, headers=intake.hr)
    assert hr_only.status_code == 403
    unchanged = intake.client.get(f"/v1/programs/{program_id}", headers=intake.admin).get_json()
    assert unchanged["name"] == PROGRAM["name"] and unchanged["status"] == "draft"


def test_rules_merge_key_by_key_and_weights_stay_between_0_and_1(intake):
    program_id = intake.create_program(status="draft", rules={"min_seniority_gap": 4})["program_id"]
    changed = intake.client.patch(
        f"/v1/programs/{program_id}", json={"rules": {"weights": {"topic_fit": 1.0}}}, headers=intake.admin
    ).get_json()
    assert changed["rules"]["min_seniority_gap"] == 4
    assert changed["rules"]["weights"]["topic_fit"] == 1.0
    too_heavy = intake.client.patch(
        f"/v1/programs/{program_id}", json={"rules": {"weights": {"focus": 1.5}}}, headers=intake.admin
    )
    assert too_heavy.status_code == 422
    assert [e["field"] for e in too_heavy.get_json()["errors"]] == ["rules.weights.focus"]


def test_programs_are_listed_by_status_a_page_at_a_time(intake):
    drafts = {intake.create_program(status="draft", name=f"Draft {n}")["program_id"] for n in range(3)}
    intake.create_program(status="enrolling")
    first = intake.client.get("/v1/programs?status=draft&page_size=2", headers=intake.hr).get_json()
    second = intake.client.get("/v1/programs?status=draft&page_size=2&page=2", headers=intake.hr).get_json()
    assert first["total"] == second["total"] == 3
    assert {p["program_id"] for p in first["items"] + second["items"]} == drafts
    bad = intake.client.get("/v1/programs?status=finished", headers=intake.hr)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "status"

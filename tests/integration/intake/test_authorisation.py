"""Who may do what: a participant reaches only their own profile (BOLA), admins only their programs."""

from __future__ import annotations

import pytest

from tests.integration.intake.conftest import JUNIOR, LEADER

OTHER = {**JUNIOR, "employee_id": "E000201"}


@pytest.fixture
def two_juniors(intake):
    program_id = intake.create_program()["program_id"]
    alice = intake.enrol(program_id, JUNIOR, intake.participant("E000200"))  # enrols herself
    bob = intake.enrol(program_id, OTHER)
    return alice, bob


def test_a_participant_cannot_read_update_withdraw_reenrol_change_consent_or_erase_another(
    intake, two_juniors
):
    _, bob = two_juniors
    as_alice = intake.participant("E000200")
    bob_path = f"/v1/participants/{bob['participant_id']}"
    attempts = [
        intake.client.get(bob_path, headers=as_alice),
        intake.client.patch(bob_path, json={"level": 4}, headers=as_alice),
        intake.client.post(f"{bob_path}/withdraw", json={}, headers=as_alice),
        intake.client.post(f"{bob_path}/reenrol", headers=as_alice),
        intake.client.put(f"{bob_path}/consent", json={"data_processing": False}, headers=as_alice),
        intake.client.delete(bob_path, headers=as_alice),
        intake.client.post(f"{bob_path}/erase", headers=as_alice),
    ]
    assert [r.status_code for r in attempts] == [404] * 7
    assert all(r.content_type == "application/problem+json" for r in attempts)
    assert intake.client.get(bob_path, headers=intake.hr).get_json() == bob  # untouched
    unknown = intake.client.get("/v1/participants/no-such-id", headers=as_alice)
    assert unknown.get_json()["detail"] == attempts[0].get_json()["detail"].replace(
        bob["participant_id"], "no-such-id"
    )


def test_a_participant_reads_and_changes_their_own_profile(intake, two_juniors):
    alice, _ = two_juniors
    as_alice = intake.participant("E000200")
    path = f"/v1/participants/{alice['participant_id']}"
    assert intake.client.get(path, headers=as_alice).get_json()["employee_id"] == "E000200"
    assert intake.client.patch(path, json={"level": 3}, headers=as_alice).get_json()["level"] == 3
    assert (
        intake.client.post(f"{path}/withdraw", json={}, headers=as_alice).get_json()["status"] == "withdrawn"
    )
    assert intake.client.post(f"{path}/reenrol", headers=as_alice).get_json()["status"] == "enrolled"


def test_a_participant_enrols_only_themself_and_cannot_list_or_run_programs(intake):
    program_id = intake.create_program()["program_id"]
    as_alice = intake.participant("E000200")
    someone_else = intake.client.post(
        "/v1/participants", json={**OTHER, "program_id": program_id}, headers=as_alice
    )
    assert someone_else.status_code == 403
    assert intake.client.get("/v1/participants", headers=as_alice).status_code == 403
    assert intake.client.post("/v1/programs", json={"name": "x"}, headers=as_alice).status_code == 403
    assert intake.client.get("/v1/orgchart/problems", headers=as_alice).status_code == 403


def test_an_admin_of_another_program_may_read_but_not_change_its_participants(intake):
    program_id = intake.create_program()["program_id"]
    leader = intake.enrol(program_id, LEADER)
    path = f"/v1/participants/{leader['participant_id']}"
    stranger = intake.token("E000002", "admin")
    assert intake.client.get(path, headers=stranger).status_code == 200
    assert intake.client.patch(path, json={"level": 9}, headers=stranger).status_code == 403
    assert intake.client.delete(path, headers=stranger).status_code == 403
    enrol = intake.client.post(
        "/v1/participants", json={**JUNIOR, "program_id": program_id}, headers=stranger
    )
    assert enrol.status_code == 403
    assert intake.client.patch(path, json={"level": 9}, headers=intake.admin).status_code == 200


def test_requests_without_a_valid_bearer_token_are_401(intake):
    missing = intake.client.get("/v1/programs")
    forged = intake.client.get("/v1/programs", headers={"Authorization": "Bearer not.a.jwt"})
    assert missing.status_code == forged.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")

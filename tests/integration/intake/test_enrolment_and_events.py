"""Enrolment and every later change of a participant reach Kafka, valid against the published schemas."""

from __future__ import annotations

from shared.contracts import ORGCHART, PARTICIPANTS
from tests.integration.intake.conftest import JUNIOR, LEADER
from tests.support.harness import wait_for


def test_enrolment_changes_withdrawal_and_reenrolment_reach_kafka_as_published(
    intake, assert_published_contract
):
    program_id = intake.create_program()["program_id"]
    leader = intake.enrol(program_id, LEADER)
    junior = intake.enrol(program_id, JUNIOR)
    leader_path, junior_path = (f"/v1/participants/{p['participant_id']}" for p in (leader, junior))
    changed = intake.client.patch(leader_path, json={"level": 11}, headers=intake.hr)
    assert changed.status_code == 200 and changed.get_json()["level"] == 11
    withdrawn = intake.client.post(f"{leader_path}/withdraw", json={"reason": "new role"}, headers=intake.hr)
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert withdrawn.get_json()["withdrawal_reason"] == "new role"
    again = intake.client.post(f"{leader_path}/withdraw", json={}, headers=intake.hr)
    assert again.status_code == 409
    back = intake.client.post(f"{leader_path}/reenrol", headers=intake.hr)
    assert back.status_code == 200 and back.get_json()["status"] == "enrolled"
    no_matching = intake.client.put(f"{junior_path}/consent", json={"matching": False}, headers=intake.hr)
    assert no_matching.get_json()["status"] == "withdrawn"

    with intake.worker():
        envelopes = intake.published(PARTICIPANTS, expected=6)
        lines = intake.published(ORGCHART, expected=1)  # the worker lays the leader's line over the chart
        wait_for(lambda: intake.pending_events() == 0)  # and relays that too: nothing is left behind
    assert [(e["subject"], e["data"]["manager_id"]) for e in lines] == [("E000100", "E000010")]
    by_type = [(e["type"].split(".")[2], e["subject"]) for e in envelopes]
    lid, jid = leader["participant_id"], junior["participant_id"]
    assert sorted(by_type) == sorted(
        [("registered", lid), ("registered", jid), ("updated", lid), ("withdrawn", lid), ("updated", lid),
         ("withdrawn", jid)]
    )  # fmt: skip
    leader_events = [e["type"].split(".")[2] for e in envelopes if e["subject"] == lid]
    assert leader_events == ["registered", "updated", "withdrawn", "updated"]  # per-aggregate order kept
    withdrawals = {e["subject"]: e["data"] for e in envelopes if e["type"].endswith("withdrawn.v1")}
    assert withdrawals[lid] == {
        "participant_id": lid, "program_id": program_id, "employee_id": None, "reason": None
    }  # fmt: skip
    assert withdrawals[jid]["reason"] == "consent-withdrawn"
    assert_published_contract(envelopes + lines)


def test_an_employee_is_enrolled_once_per_program_but_may_join_several_programs(intake):
    first, second = (intake.create_program(name=n)["program_id"] for n in ("Spring", "Autumn"))
    intake.enrol(first, JUNIOR)
    duplicate = intake.client.post(
        "/v1/participants", json={**JUNIOR, "program_id": first}, headers=intake.hr
    )
    assert duplicate.status_code == 409 and "already enrolled" in duplicate.get_json()["detail"]
    assert intake.enrol(second, JUNIOR)["program_id"] == second


def test_participants_are_listed_by_program_role_status_and_employee(intake):
    program_id = intake.create_program()["program_id"]
    leader = intake.enrol(program_id, LEADER)
    intake.enrol(program_id, JUNIOR)
    intake.client.post(f"/v1/participants/{leader['participant_id']}/withdraw", json={}, headers=intake.hr)

    def listed(query: str) -> list[str]:
        body = intake.client.get(f"/v1/participants?program_id={program_id}&{query}", headers=intake.hr)
        return [p["employee_id"] for p in body.get_json()["items"]]

    assert listed("role=junior") == ["E000200"]
    assert listed("status=withdrawn") == ["E000100"]
    assert listed("employee_id=E000100") == ["E000100"]
    assert listed("page_size=1&page=2") in (["E000100"], ["E000200"])
    page = intake.client.get(f"/v1/participants?program_id={program_id}", headers=intake.hr).get_json()
    assert page["total"] == 2 and "outbox" not in page["items"][0] and "_version" not in page["items"][0]

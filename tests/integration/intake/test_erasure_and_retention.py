"""GDPR: erasure sends ids only and leaves no personal data in intake; retention purges closed programs."""

from __future__ import annotations

import json

from shared.contracts import PARTICIPANTS
from tests.integration.intake.conftest import JUNIOR, LEADER

PERSON = {**JUNIOR, "employee_id": "E424242", "department": "Zzyzx Research", "location": "Atlantis"}
PERSONAL_MARKERS = ("E424242", "Zzyzx", "Atlantis", "pt-PT", "Europe/Lisbon")
ERASED_FIELDS = {"participant_id", "program_id", "status", "registered_at", "updated_at", "erased_at"}


def _personal_data_left(intake) -> list[str]:
    """Every document of intake's participant-holding collections that still mentions the person."""
    hits = []
    for name in intake.db.list_collection_names():
        if name == "orgchart":
            continue  # HR's record of the organisation, not enrolment data (see docs/contracts.md)
        for document in intake.db[name].find({}):
            text = json.dumps(document, default=str)
            hits += [f"{name}: {marker}" for marker in PERSONAL_MARKERS if marker in text]
    return hits


def test_erasure_publishes_ids_only_and_leaves_no_personal_data_in_intake(intake, assert_published_contract):
    program_id = intake.create_program()["program_id"]
    person = intake.enrol(program_id, PERSON)
    path = f"/v1/participants/{person['participant_id']}"
    with intake.worker():
        intake.published(PARTICIPANTS, expected=1)
        erased = intake.client.delete(path, headers=intake.participant("E424242"))
        assert erased.status_code == 200
        envelopes = intake.published(PARTICIPANTS, expected=2)
    assert erased.get_json()["status"] == "erased" and erased.get_json()["employee_id"] is None
    assert [e["type"] for e in envelopes] == [
        "mentoring.participant.registered.v2",  # still sealed: the erasure destroyed its key
        "mentoring.participant.erased.v1",
    ]
    assert [marker for marker in PERSONAL_MARKERS if marker in json.dumps(envelopes)] == []
    assert envelopes[1]["data"] == {"participant_id": person["participant_id"], "program_id": program_id}
    assert_published_contract(envelopes)

    stored = intake.db["participants"].find_one({"_id": person["participant_id"]})
    kept = {k for k, v in stored.items() if v not in (None, [], False) and not k.startswith("_")}
    assert kept - {"enrolment_key", "outbox"} == ERASED_FIELDS
    assert _personal_data_left(intake) == []
    assert intake.client.get(path, headers=intake.participant("E424242")).status_code == 404
    assert intake.client.get(path, headers=intake.hr).get_json()["status"] == "erased"
    again = intake.client.post(f"{path}/erase", headers=intake.hr)
    assert again.status_code == 200  # erasing twice is harmless and emits nothing
    assert intake.pending_events() == 0
    assert intake.enrol(program_id, PERSON)["status"] == "enrolled"  # they may come back as a new enrolment


def test_erasure_before_relay_drops_the_pending_personal_data_events(intake):
    program_id = intake.create_program()["program_id"]
    person = intake.enrol(program_id, PERSON)
    intake.client.put(
        f"/v1/participants/{person['participant_id']}/consent",
        json={"data_processing": False},
        headers=intake.participant("E424242"),
    )
    assert _personal_data_left(intake) == []
    with intake.worker():
        envelopes = intake.published(PARTICIPANTS, expected=1)
        assert len(intake.published(PARTICIPANTS, expected=2, timeout_s=3)) == 1
    assert envelopes[0]["type"] == "mentoring.participant.erased.v1"


def test_an_admin_purges_a_closed_program_and_an_open_one_is_refused(intake):
    program = intake.create_program()
    program_id = program["program_id"]
    for values in (LEADER, PERSON):
        intake.enrol(program_id, values)
    refused = intake.client.post(f"/v1/programs/{program_id}/purge", headers=intake.admin)
    assert refused.status_code == 409
    intake.transition(program_id, "closed")
    purged = intake.client.post(f"/v1/programs/{program_id}/purge", headers=intake.admin).get_json()
    assert purged["erased"] == 2 and purged["purged_at"]
    listed = intake.client.get(f"/v1/participants?program_id={program_id}", headers=intake.hr).get_json()
    assert {p["status"] for p in listed["items"]} == {"erased"}
    assert _personal_data_left(intake) == []
    with intake.worker():
        envelopes = intake.published(PARTICIPANTS, expected=4)
    assert [e["type"].split(".")[2] for e in envelopes].count("erased") == 2


def test_the_worker_purges_closed_programs_once_the_retention_period_has_passed(settings_for):
    from services.intake.app import create_app
    from tests.integration.intake.conftest import Intake

    settings = settings_for("intake", retention_days=0)
    app = create_app(settings)
    intake = Intake(settings, app.test_client(), app.extensions["db"])
    closed, still_open = intake.create_program(name="Closed"), intake.create_program(name="Open")
    intake.enrol(closed["program_id"], PERSON)
    intake.enrol(still_open["program_id"], LEADER)
    intake.transition(closed["program_id"], "closed")

    def statuses(program_id: str) -> set[str]:
        body = intake.client.get(f"/v1/participants?program_id={program_id}", headers=intake.hr).get_json()
        return {p["status"] for p in body["items"]}

    from tests.support.harness import wait_for

    with intake.worker():
        wait_for(lambda: statuses(closed["program_id"]) == {"erased"})
    assert statuses(still_open["program_id"]) == {"enrolled"}
    program = intake.db["programs"].find_one({"_id": closed["program_id"]})
    assert program["personal_data_purged_at"] is not None

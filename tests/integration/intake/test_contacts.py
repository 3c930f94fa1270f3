"""Contact details against the real Kafka and FerretDB: they reach the compacted contacts topic keyed by
participant, never the participants topic, and erasure leaves only an ids-only record there and nothing of
them anywhere in intake's database."""

from __future__ import annotations

import json

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from shared.contracts import CONTACTS, PARTICIPANTS
from tests.integration.intake.conftest import JUNIOR, LEADER
from tests.support.harness import wait_for

NAME, EMAIL = "Zebulon Quixotic", "zebulon.quixotic@example.com"
CONTACT = {"display_name": NAME, "email": EMAIL, "locale": "fr"}
CSV_HEADER = "employee_id,role,level,timezone,languages,topics_to_teach,display_name,email,locale"


def _contacts_left(intake) -> list[str]:
    """Every document of every intake collection (org chart, imports, processed events included) that
    still holds the name or the e-mail address."""
    hits = []
    for name in intake.db.list_collection_names():
        for document in intake.db[name].find({}):
            text = json.dumps(document, default=str).lower()
            hits += [f"{name}: {marker}" for marker in (NAME, EMAIL, "zebulon") if marker.lower() in text]
    return hits


def _all_of(intake, topic: str, at_least: int) -> list[dict]:
    """Everything on a topic once the outbox is empty (reads until ``at_least`` + 1 or a short quiet)."""
    wait_for(lambda: intake.pending_events() == 0)
    return intake.published(topic, expected=at_least + 1, timeout_s=3)


def test_the_contacts_topic_is_created_compacted(intake):
    admin = KafkaAdminClient(**intake.settings.kafka_client_options, client_id="contacts-test")
    try:
        topic = intake.settings.topic(CONTACTS)
        described = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter="all"
        )
    finally:
        admin.close()
    configs = described["topic"][topic]
    assert configs["cleanup.policy"]["value"] == "compact"
    participants = intake.settings.topic(PARTICIPANTS)
    assert participants != topic


def test_contact_details_reach_the_contacts_topic_only_and_change_without_a_profile_event(
    intake, assert_published_contract
):
    program_id = intake.create_program()["program_id"]
    me = intake.participant(LEADER["employee_id"])
    leader = intake.enrol(program_id, {**LEADER, **CONTACT}, headers=me)
    assert {k: leader[k] for k in CONTACT} == CONTACT
    pid = leader["participant_id"]
    path = f"/v1/participants/{pid}"
    assert intake.client.patch(path, json={"level": 11}, headers=me).status_code == 200
    changed = intake.client.patch(path, json={"email": "z.quixotic@example.com"}, headers=me)
    assert changed.status_code == 200 and changed.get_json()["email"] == "z.quixotic@example.com"
    other = intake.enrol(program_id, JUNIOR)
    stranger = intake.participant(JUNIOR["employee_id"])
    assert intake.client.patch(path, json={"email": "x@example.com"}, headers=stranger).status_code == 404
    assert intake.client.get(path, headers=stranger).status_code == 404
    assert intake.client.get(path, headers=me).get_json()["email"] == "z.quixotic@example.com"

    with intake.worker():
        contacts = _all_of(intake, CONTACTS, at_least=2)
        participants = _all_of(intake, PARTICIPANTS, at_least=3)
    assert [(e["type"], e["_key"], e["data"]["email"]) for e in contacts] == [
        ("mentoring.contact.upserted.v1", pid, EMAIL),
        ("mentoring.contact.upserted.v1", pid, "z.quixotic@example.com"),  # not re-sent for the level
    ]
    assert contacts[0]["data"] == {
        "participant_id": pid, "program_id": program_id, "employee_id": LEADER["employee_id"], **CONTACT
    }  # fmt: skip
    assert [e["type"].split(".")[2] for e in participants if e["_key"] == pid] == ["registered", "updated"]
    assert other["participant_id"] in {e["_key"] for e in participants}
    text = json.dumps(participants).lower()
    assert "zebulon" not in text and "quixotic" not in text and "@example.com" not in text
    assert_published_contract(contacts + participants)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "zebulon.quixotic"}, "email"),
        ({"email": "zebulon@@example.com"}, "email"),
        ({"display_name": "Z" * 121}, "display_name"),
        ({"locale": "français"}, "locale"),
    ],
)
def test_a_bad_contact_detail_is_a_422_naming_the_field_and_nothing_is_enrolled(intake, change, field):
    program_id = intake.create_program()["program_id"]
    body = {**JUNIOR, **change, "program_id": program_id}
    response = intake.client.post("/v1/participants", json=body, headers=intake.hr)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == [field]
    listed = intake.client.get(f"/v1/participants?program_id={program_id}", headers=intake.hr).get_json()
    assert listed["total"] == 0


def test_erasure_publishes_contact_erased_and_leaves_no_contact_detail_in_intake(intake):
    program_id = intake.create_program()["program_id"]
    rows = [
        f"E777001,junior,2,Europe/Paris,fr;en,ai-tools,{NAME},{EMAIL},fr",
        # the same person's address on a row that is rejected (bad level): it must not be kept either
        f"E777002,junior,99,Europe/Paris,fr,ai-tools,{NAME},{EMAIL},fr",
    ]
    uploaded = intake.upload(program_id, "\n".join([CSV_HEADER, *rows]) + "\n")
    report = uploaded.get_json()
    assert uploaded.status_code == 200 and len(report["accepted"]) == 1 and report["rejected"][0]["row"] == 3
    pid = report["accepted"][0]["participant_id"]
    with intake.worker():
        imported = _all_of(intake, CONTACTS, at_least=1)
        assert [(e["_key"], e["data"]["email"], e["data"]["locale"]) for e in imported] == [
            (pid, EMAIL, "fr")
        ]
        assert intake.client.delete(f"/v1/participants/{pid}", headers=intake.hr).status_code == 200
        contacts = _all_of(intake, CONTACTS, at_least=2)
        participants = _all_of(intake, PARTICIPANTS, at_least=2)
    assert [(e["type"], e["_key"]) for e in contacts] == [
        ("mentoring.contact.upserted.v2", pid),  # sealed with a key the erasure destroyed: unreadable
        ("mentoring.contact.erased.v1", pid),
    ]
    assert contacts[1]["data"] == {"participant_id": pid, "program_id": program_id}
    assert [e["type"].split(".")[2] for e in participants] == ["registered", "erased"]
    assert "zebulon" not in json.dumps(participants + contacts).lower()
    assert intake.db.list_collection_names()  # the scan below looks at something
    assert _contacts_left(intake) == []

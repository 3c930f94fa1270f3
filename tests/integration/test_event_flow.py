"""One real flow through the chassis: intake API → outbox → Kafka → matching's worker → matching's API."""

from __future__ import annotations

import json

from kafka import KafkaProducer

from services.intake.app import create_app as create_intake
from services.intake.worker import build_worker as intake_worker
from services.matching.app import create_app as create_matching
from services.matching.worker import build_worker as matching_worker
from shared.contracts import PARTICIPANTS, dlq_topic
from tests.integration.intake.conftest import LEADER as INTAKE_LEADER
from tests.integration.intake.conftest import PROGRAM
from tests.support.harness import bearer, read_topic, running, serving, topics_ready, wait_for

# intake's fixtures, without a manager: this flow is about participants, not the org chart
LEADER = {key: value for key, value in INTAKE_LEADER.items() if key != "manager_id"}


def _enrol(client, headers) -> dict:
    program = client.post("/v1/programs", json=PROGRAM, headers=headers)
    assert program.status_code == 201, program.get_json()
    program_id = program.get_json()["program_id"]
    response = client.post("/v1/participants", json={**LEADER, "program_id": program_id}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_registered_participant_reaches_matching_through_kafka(settings_for):
    intake_settings, matching_settings = settings_for("intake"), settings_for("matching")
    topics_ready(intake_settings)
    intake_app = create_intake(intake_settings)
    intake = intake_app.test_client()
    participant = _enrol(intake, bearer(intake_settings))
    path = f"/v1/participants/{participant['participant_id']}"
    matching = create_matching(matching_settings).test_client()
    admin = bearer(matching_settings)
    assert matching.get(path, headers=admin).status_code == 404

    with (
        serving(intake_app) as intake_url,  # matching's worker asks it for the participant's data key
        running(intake_worker(intake_settings), intake_settings),
        running(matching_worker(matching_settings.with_overrides(intake_url=intake_url)), matching_settings),
    ):
        seen = wait_for(
            lambda: matching.get(path, headers=admin).status_code == 200 and matching.get(path, headers=admin)
        )

    body = seen.get_json()
    assert body["employee_id"] == "E000100"
    assert body["topics_to_learn"] == ["social-media-influencer-marketing"]
    records = read_topic(intake_settings, intake_settings.topic(PARTICIPANTS), expected=1)
    envelopes = [json.loads(r.value) for r in records]
    assert [e["type"] for e in envelopes] == ["mentoring.participant.registered.v2"]
    assert set(envelopes[0]["data"]) == {"participant_id", "program_id", "status", "sealed"}
    assert "E000100" not in records[0].value.decode()  # sealed: readable only with intake's key
    assert records[0].key.decode() == participant["participant_id"]
    assert envelopes[0]["specversion"] == "1.0" and envelopes[0]["subject"] == participant["participant_id"]


def test_malformed_message_goes_to_dead_letter_topic_and_consumer_keeps_going(settings_for):
    settings = settings_for("matching")
    topics_ready(settings)
    topic = settings.topic(PARTICIPANTS)
    producer = KafkaProducer(**settings.kafka_client_options)
    valid = {
        "specversion": "1.0",
        "id": "evt-valid-1",
        "source": "/tests",
        "type": "mentoring.participant.registered.v1",
        "subject": "p-1",
        "time": "2026-11-25T10:00:00Z",
        "data": {
            "participant_id": "p-1",
            "program_id": "prog-1",
            "employee_id": "E1",
            "role": "junior",
            "level": 3,
            "timezone": "Europe/Lisbon",
            "languages": ["pt", "en"],
            "topics_to_teach": ["gen-z-consumer-trends"],
            "consent": {"matching": True, "data_processing": True},
            "status": "enrolled",
        },
    }
    wrong_type = {**valid, "id": "evt-bad-2", "data": {**valid["data"], "level": "senior"}}
    for key, value in (
        (b"p-1", b"{not json"),
        (b"p-1", json.dumps(wrong_type).encode()),
        (b"p-1", json.dumps(valid).encode()),
    ):
        producer.send(topic, key=key, value=value, partition=0)
    producer.flush()
    producer.close()

    app = create_matching(settings).test_client()
    with running(matching_worker(settings), settings):
        wait_for(lambda: app.get("/v1/participants/p-1", headers=bearer(settings)).status_code == 200)

    dead = read_topic(settings, dlq_topic(topic, "matching"), expected=2)
    reasons = [dict(r.headers)["dlq_reason"].decode() for r in dead]
    assert len(dead) == 2
    assert reasons[0].startswith("invalid envelope: not JSON")
    assert "level" in reasons[1] and "schema" in reasons[1]
    assert dead[0].value == b"{not json"
    assert dict(dead[1].headers)["dlq_offset"] == b"1"

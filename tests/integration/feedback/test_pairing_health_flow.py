"""Feedback on the real servers: pairing events on Kafka keep the health record; a bad time dead-letters."""

from __future__ import annotations

import json

from kafka import KafkaProducer

from services.feedback.app import create_app
from services.feedback.worker import build_worker
from shared.contracts import PAIRINGS, dlq_topic
from shared.contracts.types import PairingActivated, PairingEnded
from tests.support.harness import bearer, read_topic, running, topics_ready, wait_for
from tests.support.pairing_payloads import pairing_payload

PAIRING = pairing_payload("active")


def _send(settings, envelopes: list[dict]) -> None:
    producer = KafkaProducer(**settings.kafka_client_options)
    for envelope in envelopes:
        producer.send(settings.topic(PAIRINGS), key=b"pr-1", value=json.dumps(envelope).encode(), partition=0)
    producer.flush()
    producer.close()


def test_an_event_without_a_readable_time_is_dead_lettered_and_never_wins_as_now(settings_for):
    settings = settings_for("feedback")
    topics_ready(settings)
    activated = {
        **PairingActivated("pr-1", PAIRING).envelope("/tests").to_dict(),
        "time": "2026-11-25T10:00:00Z",
    }
    ended = PairingEnded("pr-1", {**PAIRING, "state": "ended"}).envelope("/tests").to_dict()
    ended["time"] = "2026-11-25T11:00:00Z"
    stale_unparsable = {**activated, "id": "evt-bad-time", "time": "yesterday"}
    stale_missing = {k: v for k, v in {**activated, "id": "evt-no-time"}.items() if k != "time"}
    _send(settings, [ended, stale_unparsable, stale_missing, activated])
    app = create_app(settings)
    client = app.test_client()
    admin = bearer(settings)
    app.extensions[
        "bus"
    ].uow.programs.documents.replace(  # the program as intake projects it, E000001 its admin
        "prog-1", {"program_id": "prog-1", "admins": ["E000001"], "focus_areas": []}
    )

    with running(build_worker(settings), settings):
        wait_for(lambda: client.get("/v1/pairings/pr-1/health", headers=admin).status_code == 200)
        dead = read_topic(settings, dlq_topic(settings.topic(PAIRINGS), "feedback"), expected=2)

    assert client.get("/v1/pairings/pr-1/health", headers=admin).get_json()["state"] == "ended"
    reasons = [dict(r.headers)["dlq_reason"].decode() for r in dead]
    assert len(dead) == 2
    assert reasons[0].startswith("invalid envelope:") and "unparsable time 'yesterday'" in reasons[0]
    assert reasons[1].startswith("invalid envelope:") and "has no time" in reasons[1]


def test_pairing_health_without_a_token_is_401(settings_for):
    client = create_app(settings_for("feedback")).test_client()
    response = client.get("/v1/pairings/pr-1/health")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"

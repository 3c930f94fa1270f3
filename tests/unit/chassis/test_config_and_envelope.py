"""Pure chassis rules: configuration validation, the CloudEvents envelope, the payload registry."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from shared.config import ConfigError, Settings
from shared.contracts import TOPICS
from shared.events.envelope import EnvelopeError, make_event, parse_event
from shared.events.registry import REGISTRY, UnknownEventType
from shared.topics import all_topics


def test_config_reports_every_bad_variable_at_once():
    with pytest.raises(ConfigError) as error:
        Settings.from_env(
            "intake",
            {"KAFKA_BOOTSTRAP_SERVERS": "nohostport", "PORT": "eighty", "MONGODB_URI": "postgres://x"},
        )
    message = str(error.value)
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "PORT", "MONGODB_URI", "JWT_JWKS_FILE"):
        assert name in message


def test_config_defaults_database_per_service_and_prefixes_topics():
    settings = Settings.from_env("matching", {"AUTH_MODE": "dev", "TOPIC_PREFIX": "t1."})
    assert settings.mongodb_database == "mentoring_matching"
    assert settings.topic("mentoring.pairings.v1") == "t1.mentoring.pairings.v1"
    assert "password" not in repr(
        Settings.from_env("matching", {"AUTH_MODE": "dev", "KAFKA_SASL_PASSWORD": "s3"})
    )


def test_sasl_protocol_without_mechanism_is_refused():
    with pytest.raises(ConfigError, match="KAFKA_SASL_MECHANISM"):
        Settings.from_env("intake", {"AUTH_MODE": "dev", "KAFKA_SECURITY_PROTOCOL": "SASL_SSL"})


def test_envelope_round_trips_and_rejects_broken_messages():
    event = make_event("mentoring.pairing.ended.v1", "/tests", "p-1", {"a": 1})
    parsed = parse_event(event.to_bytes())
    assert parsed == event
    body = json.loads(event.to_bytes())
    assert body["specversion"] == "1.0" and body["dataschema"].endswith("mentoring.pairing.ended.v1")
    for broken, reason in (
        (b"\xff\xfe", "not JSON"),
        (b"[]", "JSON object"),
        (json.dumps({**body, "id": ""}).encode(), "id"),
        (json.dumps({**body, "type": "PairingEnded"}).encode(), "mentoring.<aggregate>"),
        (json.dumps({**body, "data": "x"}).encode(), "data"),
    ):
        with pytest.raises(EnvelopeError, match=reason):
            parse_event(broken)


def test_registry_validates_payloads_and_knows_every_topic():
    with pytest.raises(ValidationError) as error:
        REGISTRY.validate("mentoring.orgchart.employee_upserted.v1", {"employee_id": 7, "boss": "x"})
    assert set(error.value.messages) == {"employee_id", "boss"}
    with pytest.raises(UnknownEventType):
        REGISTRY.get("mentoring.nothing.happened.v1")
    assert set(REGISTRY.topics()) <= set(TOPICS)
    names = all_topics(Settings.from_env("intake", {"AUTH_MODE": "dev"}))
    assert "mentoring.participants.v1.matching.dlq" in names

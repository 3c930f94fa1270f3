"""Intake against the real Kafka and FerretDB: a fresh app per test, its worker on demand, the published
JSON Schemas to check every emitted event against."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient
from pymongo.database import Database

from services.intake.app import create_app
from services.intake.store import MongoDataKeys
from services.intake.worker import build_worker
from shared.config import Settings
from shared.contracts.sealed import SEALED_FORMS
from shared.events.envelope import parse_event
from shared.sealing import EventOpener, KeyShredded
from tests.support.harness import bearer, read_topic, running, topics_ready

SCHEMAS = Path(__file__).resolve().parents[3] / "docs" / "schemas"
PROGRAM_ADMIN, HR = "E000001", "E000900"
PROGRAM = {
    "name": "EMEA reverse mentoring 2027",
    "focus_areas": ["social-media-influencer-marketing", "gen-z-consumer-trends", "ai-tools"],
    "starts_on": "2027-01-11",
    "ends_on": "2027-06-30",
    "admins": [PROGRAM_ADMIN],
}
LEADER = {
    "employee_id": "E000100",
    "role": "leader",
    "level": 10,
    "department": "Finance",
    "location": "London",
    "timezone": "Europe/London",
    "languages": ["en"],
    "topics_to_learn": ["social-media-influencer-marketing"],
    "strengths": ["strategy"],
    "availability": [{"day": 1, "start": "09:00", "end": "11:00"}],
    "manager_id": "E000010",
    "consent": {"matching": True, "data_processing": True},
}
JUNIOR = {
    "employee_id": "E000200",
    "role": "junior",
    "level": 2,
    "department": "Marketing",
    "location": "Lisbon",
    "timezone": "Europe/Lisbon",
    "languages": ["pt-PT", "en"],
    "topics_to_teach": ["social-media-influencer-marketing", "ai-tools"],
    "growth_goals": ["leadership"],
    "availability": [{"day": 1, "start": "10:00", "end": "12:00"}],
    "consent": {"matching": True, "data_processing": True},
}


@dataclass
class Intake:
    """One isolated intake: its API client, settings, database and (on demand) its worker."""

    settings: Settings
    client: FlaskClient
    db: Database

    def token(self, subject: str, *roles: str) -> dict[str, str]:
        return bearer(self.settings, subject, *roles)

    @property
    def admin(self) -> dict[str, str]:
        return self.token(PROGRAM_ADMIN, "admin")

    @property
    def hr(self) -> dict[str, str]:
        return self.token(HR, "hr")

    def participant(self, employee_id: str) -> dict[str, str]:
        return self.token(employee_id, "participant")

    def create_program(self, status: str = "enrolling", **overrides: Any) -> dict[str, Any]:
        response = self.client.post("/v1/programs", json={**PROGRAM, **overrides}, headers=self.admin)
        assert response.status_code == 201, response.get_json()
        program = response.get_json()
        for step in ("enrolling", "matching", "running", "closed"):
            if program["status"] == status:
                break
            program = self.transition(program["program_id"], step)
        return program

    def transition(self, program_id: str, status: str) -> dict[str, Any]:
        response = self.client.post(
            f"/v1/programs/{program_id}/status", json={"status": status}, headers=self.admin
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def enrol(self, program_id: str, values: dict[str, Any], headers: dict | None = None) -> dict[str, Any]:
        body = {**values, "program_id": program_id}
        response = self.client.post("/v1/participants", json=body, headers=headers or self.hr)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def upload(self, program_id: str, text: str, headers: dict | None = None):
        data = {"file": (_bytes_io(text), "people.csv", "text/csv")}
        return self.client.post(
            f"/v1/programs/{program_id}/imports",
            data=data,
            headers=headers or self.hr,
            content_type="multipart/form-data",
        )

    @contextmanager
    def worker(self, **kwargs: Any) -> Iterator[None]:
        with running(build_worker(self.settings, **kwargs), self.settings):
            yield

    def pending_events(self) -> int:
        """Events written to the outbox but not yet relayed, over every intake collection."""
        return sum(
            len(document.get("outbox") or [])
            for name in ("programs", "participants", "orgchart")
            for document in self.db[name].find({}, {"outbox": 1})
        )

    def published(
        self, topic: str, expected: int, timeout_s: float = 30.0, *, opened: bool = True
    ) -> list[dict[str, Any]]:
        """The first ``expected`` envelopes on a logical topic (with the Kafka key as ``_key``), sealed ones
        opened with intake's keys as a consumer sees them, unless their key is gone (erased) or
        ``opened=False`` (as on the wire)."""
        records = read_topic(self.settings, self.settings.topic(topic), expected, timeout_s)
        envelopes = [{**json.loads(r.value), "_key": r.key.decode()} for r in records]
        return [self._opened(envelope) for envelope in envelopes] if opened else envelopes

    def _opened(self, envelope: dict[str, Any]) -> dict[str, Any]:
        opener = EventOpener(MongoDataKeys(self.db), SEALED_FORMS)
        event = parse_event({k: v for k, v in envelope.items() if k != "_key"})
        if not opener.is_sealed(event.type):
            return envelope
        try:
            return {**opener.open(event).to_dict(), "_key": envelope["_key"]}
        except KeyShredded:
            return envelope


def _bytes_io(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


@pytest.fixture
def intake(settings_for) -> Intake:
    settings = settings_for("intake")
    topics_ready(settings)
    app = create_app(settings)
    return Intake(settings, app.test_client(), app.extensions["db"])


@pytest.fixture(scope="session")
def published_schemas() -> dict[str, dict[str, Any]]:
    """The committed JSON Schemas (docs/schemas), i.e. what other teams code against."""
    return {path.stem: json.loads(path.read_text()) for path in SCHEMAS.glob("*.json")}


@pytest.fixture
def assert_published_contract(published_schemas):
    """Check envelopes: CloudEvents attributes, key = subject, data valid against the published schema."""

    def check(envelopes: list[dict[str, Any]]) -> None:
        for envelope in envelopes:
            assert envelope["specversion"] == "1.0" and envelope["source"] == "/services/intake"
            assert envelope["_key"] == envelope["subject"]
            assert envelope["dataschema"] == f"urn:mentoring:schema:{envelope['type']}"
            jsonschema.validate(envelope["data"], published_schemas[envelope["type"]])

    return check

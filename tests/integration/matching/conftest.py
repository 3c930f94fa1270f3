"""Matching against the real broker and Mongo-wire server: intake-shaped events, the API, the worker."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from services.matching import events as matching_events
from services.matching.app import create_app
from services.matching.worker import build_worker
from shared.bus import MessageBus
from shared.config import Settings
from shared.contracts import ORGCHART, PAIRINGS, PARTICIPANTS, PROGRAMS
from shared.events.envelope import Event, make_event
from shared.events.producer import EventPublisher
from shared.events.registry import REGISTRY
from tests.support.harness import bearer, read_topic, running, topics_ready, wait_for
from tests.support.matching_people import ADMIN_ID, CEO, MORNINGS, person, program  # noqa: F401

ADMIN = ADMIN_ID


def event(event_type: str, data: dict[str, Any], key: str | None = None) -> Event:
    data = REGISTRY.validate(event_type, data)
    subject = key or data.get("participant_id") or data.get("program_id") or data.get("employee_id")
    return make_event(event_type, "/tests/intake", subject, data)


def cohort_events(prog: dict[str, Any], people: Iterable[dict[str, Any]]) -> list[Event]:
    """What intake would publish: the program, reporting lines, then each registration."""
    people = list(people)
    out = [event("mentoring.program.created.v1", prog)]
    for p in people:
        out.append(
            event(
                "mentoring.orgchart.employee_upserted.v1",
                {"employee_id": p["employee_id"], "manager_id": p["manager_id"]},
            )
        )
    out += [event("mentoring.participant.registered.v1", p) for p in people]
    return out


TOPIC_OF = {
    "program": PROGRAMS,
    "participant": PARTICIPANTS,
    "orgchart": ORGCHART,
    "feedback": "mentoring.feedback.v1",
}


@dataclass
class Matching:
    settings: Settings
    client: Any
    bus: MessageBus

    @property
    def db(self):
        return self.bus.uow.db

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.settings, ADMIN, "admin")

    def participant(self, employee_id: str) -> dict[str, str]:
        return bearer(self.settings, employee_id, "participant")

    def apply(self, events: Iterable[Event]) -> None:
        """Hand events straight to the worker's handlers (as the consumer would, minus the broker)."""
        handlers = {kind.type: handle for kind, handle in matching_events.handlers(self.bus).items()}
        for e in events:
            handlers[e.type](e)

    def send(self, events: Iterable[Event]) -> None:
        """Publish events on the real broker, as intake or feedback would."""
        publisher = EventPublisher(self.settings)
        try:
            publisher.publish_all([(TOPIC_OF[e.type.split(".")[1]], e) for e in events])
        finally:
            publisher.close()

    def worker(self):
        return running(build_worker(self.settings), self.settings)

    def run(self, program_id: str, expect: int = 201, **body: Any) -> dict[str, Any]:
        response = self.client.post(f"/v1/programs/{program_id}/match-runs", json=body, headers=self.admin)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def post(self, path: str, headers: dict[str, str], expect: int = 200, **body: Any) -> dict[str, Any]:
        response = self.client.post(path, json=body or None, headers=headers)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def get(self, path: str, headers: dict[str, str] | None = None, expect: int = 200, **query: Any):
        response = self.client.get(path, query_string=query, headers=headers or self.admin)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def pairing_events(self, expected: int) -> list[dict[str, Any]]:
        """At least ``expected`` distinct events (delivery is at least once: duplicates share an id)."""
        seen: dict[str, dict[str, Any]] = {}

        def distinct() -> bool:
            records = read_topic(self.settings, self.settings.topic(PAIRINGS), expected=expected)
            for r in records:
                seen.setdefault(json.loads(r.value)["id"], json.loads(r.value) | {"_key": r.key.decode()})
            return len(seen) >= expected

        wait_for(distinct, timeout_s=60)
        return sorted(seen.values(), key=lambda e: e["time"])

    def wait_for(self, condition, timeout_s: float = 60.0):
        return wait_for(condition, timeout_s=timeout_s, interval_s=0.2)

    def wait_projected(self, program_id: str, participants: int) -> None:
        """Topics carry no order between them: wait for the program AND its people to be projected."""

        def projected() -> bool:
            known = self.client.get(f"/v1/programs/{program_id}", headers=self.admin).status_code == 200
            return known and self.get("/v1/participants", program_id=program_id)["total"] == participants

        self.wait_for(projected)


@pytest.fixture
def matching(settings_for) -> Matching:
    settings = settings_for("matching")
    topics_ready(settings)
    app = create_app(settings)
    return Matching(settings, app.test_client(), app.extensions["bus"])

"""Erasure mid-program, proven on the running system: afterwards no document in any service's database and no
record on any topic (dead-letter topics included) holds the erased junior's employee id, name, e-mail or
anything they typed, and the leader of their pairing was told.

Kafka keeps what it was given until retention, so the proof for the topics is crypto-shredding: intake
published the junior's profile and contact sealed with their own data key (docs/contracts.md, Sealed
personal fields) and the erasure destroyed that key: the sealed records are still on the topics, and no
longer open. One decision is allowed for by name: the junior's employee id as a line of the org chart
(topic ``mentoring.orgchart.v1`` and the org chart stores built from it) is HR's record of the
organisation, not enrolment data, and stays until HR's next upload (docs/contracts.md, Org chart).
"""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from kafka import KafkaConsumer, TopicPartition
from pymongo import MongoClient

from shared.auth import dev_token
from shared.config import SERVICES
from tests.support.harness import bearer, wait_for

pytestmark = pytest.mark.e2e
WAIT_S = 45
ORGCHART_TOPIC = "mentoring.orgchart.v1"
# Where the org chart lives in each database: HR's record, where an employee id may stay (see above).
ORGCHART_STORES = {
    ("intake", "orgchart"),
    ("matching", "orgchart"),
    ("matching", "orgchart_snapshots"),
    ("feedback", "orgchart"),
}


class Story:
    """One program with one leader and one junior, through the services' public APIs."""

    def __init__(self, system) -> None:
        self.system = system
        self.tag = uuid.uuid4().hex[:8]
        self.settings = system.settings["intake"]
        self.admin_id, self.hr_id = f"A{self.tag}", f"H{self.tag}"
        self.leader_id, self.junior_id = f"L{self.tag}", f"J{self.tag}"
        self.sessions: dict[tuple[str, tuple[str, ...]], requests.Session] = {}
        # What identifies the junior, and what they typed: none of it may be readable after the erasure.
        self.secrets = {
            "employee id": self.junior_id,
            "name": f"Zephyrine Quillfeather{self.tag}",
            "e-mail": f"zephyrine.{self.tag}@example.com",
            "goal": f"Teach the board reels{self.tag}",
            "success criteria": f"three leaders post weekly{self.tag}",
            "shared notes": f"we sketched a creator brief{self.tag}",
            "private notes": f"I felt nervous presenting{self.tag}",
            "insight": f"Onboarding loses Gen-Z at step four{self.tag}",
            "suggested action": f"cut the form to one screen{self.tag}",
            "pulse message": f"please call me about my manager{self.tag}",
        }

    def session(self, subject: str, *roles: str) -> requests.Session:
        if (subject, roles) not in self.sessions:
            session = requests.Session()
            session.headers.update(bearer(self.settings, subject, *roles))
            self.sessions[subject, roles] = session
        return self.sessions[subject, roles]

    def call(self, who: requests.Session, method: str, service: str, path: str, ok=(200, 201), **kw):
        response = who.request(method, f"{self.system.api_url(service)}/v1{path}", timeout=30, **kw)
        assert response.status_code in ok, f"{method} {path}: {response.status_code} {response.text[:1000]}"
        return response.json() if response.content else None

    def eventually(self, who, method, service, path, ok=(200, 201), **kw):
        """A call that succeeds once the service has projected what it needs from the others' events."""

        last: list[str] = []

        def attempt():
            response = who.request(method, f"{self.system.api_url(service)}/v1{path}", timeout=30, **kw)
            last[:] = [f"{response.status_code} {response.text[:500]}"]
            return response.json() if response.status_code in ok else None

        try:
            return wait_for(attempt, timeout_s=WAIT_S, interval_s=0.2)
        except AssertionError as failed:
            raise AssertionError(f"{method} {path}: {failed}; last answer: {last}") from None

    @property
    def admin(self) -> requests.Session:
        return self.session(self.admin_id, "admin")

    def me(self, employee_id: str) -> requests.Session:
        return self.session(employee_id, "participant")


def enrol_and_pair(s: Story) -> tuple[dict, dict]:
    """The admin's program; hr enrols a leader and the junior (name, e-mail, manager); a run pairs them and
    both accept."""
    body = {
        "name": f"Erasure {s.tag}",
        "focus_areas": ["ai-tools"],
        "starts_on": (date.today() + timedelta(days=7)).isoformat(),
        "ends_on": (date.today() + timedelta(days=180)).isoformat(),
        "admins": [s.admin_id],
        "rules": {"languages": ["en"]},
    }
    program_id = s.call(s.admin, "POST", "intake", "/programs", json=body)["program_id"]
    s.call(s.admin, "POST", "intake", f"/programs/{program_id}/status", json={"status": "enrolling"})
    common = {
        "program_id": program_id,
        "timezone": "Europe/London",
        "languages": ["en"],
        "availability": [{"day": 0, "start": "09:00", "end": "12:00"}],
        "consent": {"matching": True, "data_processing": True},
    }
    hr = s.session(s.hr_id, "hr")
    leader = {**common, "employee_id": s.leader_id, "role": "leader", "level": 10,
              "topics_to_learn": ["ai-tools"], "manager_id": f"B{s.tag}",
              "display_name": f"Leader {s.tag}", "email": f"leader.{s.tag}@example.com"}  # fmt: skip
    junior = {**common, "employee_id": s.junior_id, "role": "junior", "level": 2,
              "topics_to_teach": ["ai-tools"], "manager_id": f"T{s.tag}",
              "display_name": s.secrets["name"], "email": s.secrets["e-mail"]}  # fmt: skip
    leader = s.call(hr, "POST", "intake", "/participants", json=leader)
    junior = s.call(hr, "POST", "intake", "/participants", json=junior)
    s.call(s.admin, "POST", "intake", f"/programs/{program_id}/status", json={"status": "matching"})
    body = {"dry_run": False, "expected_leaders": 1, "expected_juniors": 1}
    run = s.eventually(s.admin, "POST", "matching", f"/programs/{program_id}/match-runs", json=body)
    assert run["matched_count"] == 1, run
    s.call(s.admin, "POST", "matching", f"/match-runs/{run['match_run_id']}/publish")
    (pairing,) = s.call(s.admin, "GET", "matching", "/pairings", params={"program_id": program_id})["items"]
    path = f"/pairings/{pairing['pairing_id']}"
    s.call(s.me(s.leader_id), "POST", "matching", f"{path}/accept")
    assert s.call(s.me(s.junior_id), "POST", "matching", f"{path}/accept")["state"] == "active"
    return pairing, junior


def the_junior_types(s: Story, pairing: dict) -> None:
    """A goal, a check-in with notes, an insight and a pulse answer asking to talk, each typed by the
    junior."""
    junior, base = s.me(s.junior_id), f"/pairings/{pairing['pairing_id']}"
    goal = {"area": "strategy", "title": s.secrets["goal"], "success_criteria": s.secrets["success criteria"]}
    s.eventually(junior, "POST", "feedback", f"{base}/goals", json=goal)
    check_in = {
        "held_on": date.today().isoformat(),
        "duration_minutes": 45,
        "shared_notes": s.secrets["shared notes"],
        "private_notes": s.secrets["private notes"],
    }
    s.call(junior, "POST", "feedback", f"{base}/check-ins", json=check_in)
    insight = {
        "area": "ai-tools",
        "description": s.secrets["insight"],
        "suggested_action": s.secrets["suggested action"],
    }
    s.call(junior, "POST", "feedback", f"{base}/insights", json=insight)
    closes_at = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    program = f"/programs/{pairing['program_id']}/pulses"
    pulse = s.call(s.admin, "POST", "feedback", program, json={"closes_at": closes_at})
    answers = {q["question_id"]: 3 for q in pulse["questions"]}
    answer = {"answers": answers, "talk_to_someone": True, "message": s.secrets["pulse message"]}
    s.eventually(junior, "POST", "feedback", f"/pulses/{pulse['pulse_id']}/responses", json=answer)


def key_lookup(s: Story, participant_id: str) -> dict[str, bytes]:
    """What intake gives a worker for the junior's sealed events (role service)."""
    token = dev_token(s.settings, "service:e2e", ["service"])
    response = requests.post(
        f"{s.system.api_url('intake')}/v1/participant-keys/lookup",
        json={"participant_ids": [participant_id]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {k: base64.b64decode(v) for k, v in response.json()["keys"].items()}


def database_hits(s: Story) -> list[tuple[str, str]]:
    """Every document of every collection of every service's database, searched for each secret: which
    secret was found, and where."""
    client = MongoClient(s.settings.mongodb_uri, serverSelectionTimeoutMS=10_000)
    hits = []
    try:
        for service in SERVICES:
            db = client[s.system.settings[service].mongodb_database]
            for name in db.list_collection_names():
                for document in db[name].find({}):
                    text = json.dumps(document, default=str, ensure_ascii=False)
                    for what, secret in s.secrets.items():
                        if secret not in text:
                            continue
                        if what == "employee id" and (service, name) in ORGCHART_STORES:
                            continue
                        hits.append((what, f"{service}.{name}: {text[:300]}"))
    finally:
        client.close()
    return hits


def read_every_topic(s: Story) -> dict[str, list]:
    """Every record of every topic of this system (dead-letter topics included), from the beginning."""
    consumer = KafkaConsumer(**s.settings.kafka_client_options, group_id=None, enable_auto_commit=False)
    try:
        topics = sorted(t for t in consumer.topics() if t.startswith(s.settings.topic_prefix))
        partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: dict[str, list] = {topic: [] for topic in topics}

        def caught_up() -> bool:
            for batch in consumer.poll(timeout_ms=500).values():
                for record in batch:
                    records[record.topic].append(record)
            return all(consumer.position(tp) >= ends[tp] for tp in partitions)

        wait_for(caught_up, timeout_s=30, interval_s=0)
        return records
    finally:
        consumer.close()


def topic_hits(s: Story, records: dict[str, list]) -> list[str]:
    hits = []
    for topic, found in records.items():
        for record in found:
            parts = [record.key or b"", record.value or b"", *(v for _, v in record.headers or [])]
            text = b"\n".join(parts).decode("utf-8", "replace")
            for what, secret in s.secrets.items():
                if secret in text and not (what == "employee id" and topic.endswith(ORGCHART_TOPIC)):
                    at = max(0, text.index(secret) - 150)
                    hits.append(f"{topic}@{record.partition}:{record.offset}: {what}: {text[at : at + 200]}")
    return hits


def test_an_erased_junior_is_in_no_database_and_unreadable_on_every_topic(system):
    s = Story(system)
    pairing, junior = enrol_and_pair(s)
    the_junior_types(s, pairing)
    junior_pid = junior["participant_id"]
    assert set(key_lookup(s, junior_pid)) == {junior_pid}  # the junior's events open while they exist
    # the scan sees every secret while the junior exists (so finding none afterwards means something)
    wait_for(lambda: {what for what, _ in database_hits(s)} == set(s.secrets), timeout_s=WAIT_S)

    s.call(s.admin, "DELETE", "intake", f"/participants/{junior_pid}", ok=(200, 204))

    def told() -> list[dict]:
        items = s.call(s.me(s.leader_id), "GET", "notifications", "/me/notifications")["items"]
        return [i for i in items if i["template"] == "pairing_ended"]

    (item,) = wait_for(told, timeout_s=WAIT_S)
    assert item["program_id"] == pairing["program_id"]
    ended = s.call(s.me(s.leader_id), "GET", "matching", f"/pairings/{pairing['pairing_id']}")
    assert (ended["state"], ended["end_kind"]) == ("ended", "erased")

    with contextlib.suppress(AssertionError):  # every consumer has handled the erasure: nothing left
        wait_for(lambda: database_hits(s) == [], timeout_s=WAIT_S, interval_s=0.5)
    assert database_hits(s) == []  # names what is left where
    assert key_lookup(s, junior_pid) == {}

    records = read_every_topic(s)
    assert any(t.endswith(".dlq") for t in records) and len(records) > 2 * len(SERVICES)
    sealed = [
        json.loads(r.value)
        for topic in records
        for r in records[topic]
        if r.key and r.key.decode() == junior_pid and b'"sealed"' in (r.value or b"")
    ]
    # the junior's registration and contact are on the topics, sealed with the key the erasure destroyed
    assert {e["type"] for e in sealed} >= {
        "mentoring.participant.registered.v2",
        "mentoring.contact.upserted.v2",
    }
    hits = topic_hits(s, records)
    assert not hits, "\n".join(hits)

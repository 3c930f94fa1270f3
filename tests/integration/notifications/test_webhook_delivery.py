"""Subscriber webhooks on the real servers: Kafka, FerretDB, the notifications API and worker, and the
example receiver (docs/examples/webhook_receiver.py) running as a real process on loopback, verifying
signatures with the Standard Webhooks library and deduplicating by webhook-id."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.notifications.app import create_app
from services.notifications.channels import webhook as webhook_channel
from services.notifications.store.uow import MongoNotificationsUnitOfWork
from services.notifications.worker import build_worker
from shared.contracts import PAIRINGS, PROGRAMS
from shared.contracts.types import PairingPublished, ProgramCreated
from shared.events.producer import EventPublisher
from shared.mongo import database_for
from tests.support.harness import bearer, running, topics_ready, wait_for
from tests.support.matching_people import ADMIN_ID, program
from tests.support.pairing_payloads import pairing_payload
from tests.support.processes import REPO, free_port

RECEIVER = REPO / "docs" / "examples" / "webhook_receiver.py"
PUBLISHED = PairingPublished.type
PROGRAM_ID = "prog-1"
COMPRESSED = {
    "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1,localhost",
    # a third attempt comes at least 1.7 s after the first failure, so it always finds the endpoint failing
    # for longer than 1.5 s; the second would need a 1.3 s delay of the scheduler to be that late
    "WEBHOOK_RETRY_SCHEDULE": "0,0.2,1.5",
    "WEBHOOK_DISABLE_AFTER_S": "1.5",
    "WEBHOOK_TIMEOUT_S": "10",
    "SCHEDULER_IDLE_S": "0.1",
}


@dataclass
class ReceiverProcess:
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self, *secrets: str, extra: tuple[str, ...] = ()) -> ReceiverProcess:
        args = [sys.executable, str(RECEIVER), "--port", str(self.port), "--log", str(self.log), *extra]
        for secret in secrets:
            args += ["--secret", secret]
        with self.log.with_suffix(".out").open("w") as output:
            self.process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT)
        wait_for(self._listening, timeout_s=20)
        return self

    def _listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def entries(self) -> list[dict]:
        """Complete lines only: the receiver may be writing the next one."""
        text = self.log.read_text() if self.log.exists() else ""
        return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def webhook_env(monkeypatch) -> Iterator[dict[str, str]]:
    """Compressed retry schedule and the loopback receiver on the SSRF allow-list, read at start."""
    for name, value in COMPRESSED.items():
        monkeypatch.setenv(name, value)
    webhook_channel.configured.cache_clear()
    yield COMPRESSED
    webhook_channel.configured.cache_clear()


@pytest.fixture
def receivers(tmp_path) -> Iterator:
    made: list[ReceiverProcess] = []

    def make(name: str = "receiver") -> ReceiverProcess:
        made.append(ReceiverProcess(free_port(), tmp_path / f"{name}.jsonl"))
        return made[-1]

    yield make
    for receiver in made:
        receiver.stop()


@pytest.fixture
def world(settings_for, webhook_env):
    settings = settings_for("notifications")
    topics_ready(settings)
    return settings, create_app(settings).test_client(), bearer(settings, "crm-sync", "service")


def subscribe(client, headers, url: str, types=(PUBLISHED,)) -> dict:
    body = {"url": url, "event_types": list(types), "description": "CRM sync", "program_id": PROGRAM_ID}
    response = client.post("/v1/webhook-endpoints", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def publish(settings, *events) -> None:
    publisher = EventPublisher(settings)
    publisher.publish_all(list(events))
    publisher.close()


def pairing_published(pairing_id: str = "pr-1"):
    return (
        PAIRINGS,
        PairingPublished(pairing_id, pairing_payload("published", pairing_id=pairing_id)).envelope("/t"),
    )


def messages(client, headers, endpoint_id: str) -> list[dict]:
    return client.get(f"/v1/webhook-endpoints/{endpoint_id}/messages", headers=headers).get_json()["items"]


def test_a_pairing_event_reaches_a_subscribed_receiver_signed_and_verified_once(world, receivers):
    settings, client, service = world
    receiver = receivers()
    endpoint = subscribe(client, service, receiver.url)
    receiver.start(endpoint["secret"])
    publish(settings, pairing_published())

    with running(build_worker(settings), settings):
        [entry] = wait_for(lambda: receiver.entries(), timeout_s=30)
        delivered = wait_for(
            lambda: [
                m for m in messages(client, service, endpoint["endpoint_id"]) if m["status"] == "delivered"
            ]
        )

    assert entry["verified"] and entry["processed"] and entry["type"] == PUBLISHED
    [message] = delivered
    assert message["msg_id"] == entry["webhook_id"] and message["attempts"] == 1
    path = f"/v1/webhook-endpoints/{endpoint['endpoint_id']}/messages/{message['msg_id']}/attempts"
    [attempt] = client.get(path, headers=service).get_json()["items"]
    assert attempt["status_code"] == 204 and attempt["outcome"] == "delivered" and attempt["latency_ms"] > 0
    listed = client.get(f"/v1/webhook-endpoints/{endpoint['endpoint_id']}", headers=service).get_json()
    assert "secret" not in listed and "whsec_" not in json.dumps(listed)


def test_a_receiver_holding_a_wrong_secret_detects_the_mismatch(world, receivers):
    settings, client, service = world
    receiver = receivers()
    subscribe(client, service, receiver.url)
    other = subscribe(client, service, "http://localhost:9/unused", types=("mentoring.pairing.ended.v1",))
    receiver.start(other["secret"])
    publish(settings, pairing_published())

    with running(build_worker(settings), settings):
        entries = wait_for(lambda: len(receiver.entries()) >= 2 and receiver.entries(), timeout_s=30)

    assert all(not entry["verified"] and entry["status"] == 400 for entry in entries)


def test_after_a_rotation_both_secrets_sign_and_a_receiver_with_the_new_one_verifies(world, receivers):
    settings, client, service = world
    receiver = receivers()
    endpoint = subscribe(client, service, receiver.url)
    rotated = client.post(f"/v1/webhook-endpoints/{endpoint['endpoint_id']}/rotate-secret", headers=service)
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["secret"]
    assert new_secret != endpoint["secret"]
    assert [s["expires_at"] is None for s in rotated.get_json()["signing_secrets"]] == [True, False]
    receiver.start(new_secret)
    publish(settings, pairing_published())

    with running(build_worker(settings), settings):
        [entry] = wait_for(lambda: receiver.entries(), timeout_s=30)

    assert entry["verified"] and entry["signatures"] == 2


def test_a_receiver_answering_500_is_retried_on_schedule_then_the_message_fails_and_the_admin_is_told(
    world, receivers
):
    settings, client, service = world
    receiver = receivers()
    endpoint = subscribe(client, service, receiver.url)
    receiver.start(endpoint["secret"], extra=("--fail-with", "500"))
    publish(settings, (PROGRAMS, ProgramCreated(PROGRAM_ID, program(PROGRAM_ID)).envelope("/t")))
    admin = bearer(settings, ADMIN_ID, "admin")
    people = MongoNotificationsUnitOfWork(database_for(settings)).people

    with running(build_worker(settings), settings):
        wait_for(lambda: people.program(PROGRAM_ID), timeout_s=30)  # its admins are known
        publish(settings, pairing_published())
        [failed] = wait_for(
            lambda: [
                m for m in messages(client, service, endpoint["endpoint_id"]) if m["status"] == "failed"
            ],
            timeout_s=30,
        )
        inbox = wait_for(
            lambda: (page := client.get("/v1/me/notifications", headers=admin).get_json())["items"] and page
        )

    entries = receiver.entries()
    assert [e["status"] for e in entries] == [500, 500, 500] and len({e["webhook_id"] for e in entries}) == 1
    gaps = [b["received_at"] - a["received_at"] for a, b in itertools.pairwise(entries)]
    assert gaps[0] >= 0.2 and gaps[1] >= 1.5
    assert failed["attempts"] == 3 and "500" in failed["last_error"]
    now = client.get(f"/v1/webhook-endpoints/{endpoint['endpoint_id']}", headers=service).get_json()
    assert now["disabled"] and now["disabled_reason"].startswith("failing for")
    assert any(endpoint["endpoint_id"] in item["text"] for item in inbox["items"])


def test_a_receiver_answering_abort_message_gets_no_retries(world, receivers):
    settings, client, service = world
    receiver = receivers()
    endpoint = subscribe(client, service, receiver.url)
    receiver.start(endpoint["secret"], extra=("--fail-with", "500", "--abort"))
    publish(settings, pairing_published())

    with running(build_worker(settings), settings):
        wait_for(
            lambda: [
                m for m in messages(client, service, endpoint["endpoint_id"]) if m["status"] == "aborted"
            ],
            timeout_s=30,
        )
        time.sleep(2.0)  # longer than the whole compressed schedule: a retry would have come

    assert len(receiver.entries()) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/hooks",
        f"http://{socket.gethostname()}:9/",  # this machine's name: loopback (or a private address)
        "http://[::1]:9/",
        "gopher://127.0.0.1:9/",
    ],
)
def test_an_internal_url_is_refused_with_a_422_naming_the_url(world, url):
    _, client, service = world
    body = {"url": url, "event_types": [PUBLISHED], "program_id": PROGRAM_ID}
    response = client.post("/v1/webhook-endpoints", json=body, headers=service)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [error["field"] for error in response.get_json()["errors"]] == ["url"]


def test_an_unknown_or_personal_event_type_is_refused_with_a_422_naming_event_types(world):
    _, client, service = world
    body = {"url": "http://127.0.0.1:9/", "event_types": ["mentoring.participant.registered.v1"]}
    response = client.post("/v1/webhook-endpoints", json=body, headers=service)
    assert response.status_code == 422
    assert [error["field"] for error in response.get_json()["errors"]] == ["event_types"]


def test_a_participant_may_not_manage_webhooks(world):
    settings, client, _ = world
    response = client.get("/v1/webhook-endpoints", headers=bearer(settings, "E-L1", "participant"))
    assert response.status_code == 403


def test_a_replay_resends_a_delivered_message_under_the_same_webhook_id(world, receivers):
    settings, client, service = world
    receiver = receivers()
    endpoint = subscribe(client, service, receiver.url)
    receiver.start(endpoint["secret"])
    publish(settings, pairing_published())
    path = f"/v1/webhook-endpoints/{endpoint['endpoint_id']}"

    with running(build_worker(settings), settings):
        [first] = wait_for(lambda: receiver.entries(), timeout_s=30)
        replay = client.post(f"{path}/replay", json={"msg_id": first["webhook_id"]}, headers=service)
        assert replay.status_code == 202 and replay.get_json()["replayed"] == [first["webhook_id"]]
        wait_for(lambda: len(receiver.entries()) == 2, timeout_s=30)
        window = client.post(f"{path}/replay", json={"since": "2000-01-01T00:00:00Z"}, headers=service)
        assert window.get_json()["replayed"] == [first["webhook_id"]]
        entries = wait_for(lambda: len(receiver.entries()) == 3 and receiver.entries(), timeout_s=30)

    assert {e["webhook_id"] for e in entries} == {first["webhook_id"]}
    assert [e.get("duplicate", False) for e in entries] == [False, True, True]


def _worker_process(settings, env_extra: dict[str, str]) -> subprocess.Popen:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MONGODB_URI": settings.mongodb_uri,
        "MONGODB_DATABASE": settings.mongodb_database,
        "TOPIC_PREFIX": settings.topic_prefix,
        "AUTH_MODE": "dev",
        "DEV_KEYS_DIR": settings.dev_keys_dir,
        "METRICS_PORT": str(free_port()),
        "LOG_LEVEL": "WARNING",
        **env_extra,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.notifications", "worker"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_send_does_not_deliver_under_a_second_webhook_id(world, receivers, webhook_env):
    settings, client, service = world
    receiver = receivers()
    endpoint = subscribe(client, service, receiver.url)
    receiver.start(endpoint["secret"], extra=("--delay", "3"))
    publish(settings, pairing_published())
    worker = _worker_process(settings, {**webhook_env, "SCHEDULER_LEASE_S": "2"})
    try:
        wait_for(lambda: receiver.entries(), timeout_s=60)  # the POST is in flight: the receiver holds it
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    db = database_for(settings)
    [message] = messages(client, service, endpoint["endpoint_id"])
    assert message["status"] == "pending"  # the intent was written, the outcome never was

    with running(build_worker(settings), settings):
        wait_for(
            lambda: (
                MongoNotificationsUnitOfWork(db).webhooks.message(message["msg_id"]).record["status"]
                == "delivered"
            ),
            timeout_s=60,
        )

    entries = receiver.entries()
    assert len(entries) == 2 and len({e["webhook_id"] for e in entries}) == 1
    assert [e.get("processed", False) for e in entries] == [True, False]


def test_a_host_that_resolves_differently_at_connect_time_is_still_refused(receivers):
    """The address check before the POST can be outrun by a DNS change; the check on connect cannot."""
    receiver = receivers().start("whsec_c2VjcmV0")
    sender = webhook_channel.HttpWebhookSender(allowed_hosts=(), timeout_s=5)
    sender.refusal = lambda url: None  # as if the name had resolved to a public address a moment ago
    result = sender.send(receiver.url, {"webhook-id": "msg_1"}, b"{}")
    sender.close()
    assert result.status is None and "loopback" in result.error
    assert receiver.entries() == []
    allowed = webhook_channel.HttpWebhookSender(allowed_hosts=("127.0.0.1",), timeout_s=5)
    assert allowed.send(receiver.url, {"webhook-id": "msg_1"}, b"{}").status == 400  # reached; unsigned
    allowed.close()

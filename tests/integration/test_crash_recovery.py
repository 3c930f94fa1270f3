"""At-least-once without duplicates: a worker killed between its write and its commit repeats nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from services.notifications.store.deliveries import DELIVERIES
from services.notifications.store.uow import MongoNotificationsUnitOfWork
from services.notifications.worker import build_worker
from shared.contracts import NOTIFICATIONS, PAIRINGS
from shared.events.envelope import make_event
from shared.events.producer import EventPublisher
from shared.mongo import PROCESSED_EVENTS, database_for
from tests.support.crashing_worker import CRASH_EXIT_CODE
from tests.support.harness import read_topic, running, topics_ready, wait_for

REPO = Path(__file__).resolve().parents[2]


def test_worker_killed_between_write_and_commit_does_not_notify_twice(settings_for):
    settings = settings_for("notifications")
    topics_ready(settings)
    event = make_event(
        "mentoring.pairing.published.v1",
        "/tests",
        "pairing-1",
        {
            "pairing_id": "pairing-1",
            "program_id": "prog-1",
            "leader_id": "L1",
            "junior_id": "J1",
            "state": "published",
        },
    )
    people = MongoNotificationsUnitOfWork(database_for(settings)).people
    for participant in ("L1", "J1"):  # known to notifications (no e-mail address: in-app only)
        fields = {"program_id": "prog-1", "employee_id": f"E-{participant}", "timezone": "UTC"}
        people.save_participant(participant, fields, datetime.now(UTC), f"registered-{participant}")
    publisher = EventPublisher(settings)
    publisher.publish_all([(PAIRINGS, event)])
    publisher.close()

    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MONGODB_URI": settings.mongodb_uri,
        "MONGODB_DATABASE": settings.mongodb_database,
        "TOPIC_PREFIX": settings.topic_prefix,
        "AUTH_MODE": "dev",
        "DEV_KEYS_DIR": settings.dev_keys_dir,
        "LOG_LEVEL": "WARNING",
    }
    crashed = subprocess.run(
        [sys.executable, "-m", "tests.support.crashing_worker"], cwd=REPO, env=env, timeout=120
    )
    assert crashed.returncode == CRASH_EXIT_CODE
    db = database_for(settings)
    assert db[DELIVERIES].count_documents({}) == 2  # the effect happened …
    assert db[PROCESSED_EVENTS].count_documents({}) == 0  # … but was never recorded nor committed

    with running(build_worker(settings), settings):
        wait_for(lambda: db[PROCESSED_EVENTS].count_documents({}) == 1)
        wait_for(lambda: db[DELIVERIES].count_documents({"outbox_pending": True}) == 0)

    assert sorted(d["recipient"] for d in db[DELIVERIES].find()) == ["E-J1", "E-L1"]
    delivered = read_topic(settings, settings.topic(NOTIFICATIONS), expected=3, timeout_s=5)
    assert len(delivered) == 2

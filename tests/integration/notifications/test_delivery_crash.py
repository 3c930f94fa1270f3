"""A worker killed with SIGKILL in the middle of an SMTP conversation (the server has the whole mail but
has not answered yet) leaves its delivery "sending"; the next worker claims the item when the lease runs
out and sends it again under the same Message-ID, so the sink holds one message for it (counted by
Message-ID), the delivery ends sent after two attempts, and one notification.delivered is published."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from services.notifications.domain.delivery import email_message_id
from services.notifications.service.deliver import plan_delivery
from services.notifications.store.deliveries import DELIVERIES
from services.notifications.store.uow import MongoNotificationsUnitOfWork
from services.notifications.worker import build_worker
from shared.contracts import NOTIFICATIONS
from shared.mongo import database_for
from tests.support.harness import read_topic, running, topics_ready, wait_for
from tests.support.processes import free_port
from tests.support.smtp import delivery_config, email, smtp_sink

REPO = Path(__file__).resolve().parents[3]


def test_a_worker_killed_mid_send_does_not_produce_a_second_message(settings_for, tmp_path):
    settings = settings_for("notifications")
    topics_ready(settings)
    db = database_for(settings)
    message = email("evt-crash")
    with smtp_sink(tmp_path / "mailbox", delay_s=3.0) as sink:
        plan_delivery(MongoNotificationsUnitOfWork(db), message)
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "MONGODB_URI": settings.mongodb_uri,
            "MONGODB_DATABASE": settings.mongodb_database,
            "TOPIC_PREFIX": settings.topic_prefix,
            "AUTH_MODE": "dev",
            "DEV_KEYS_DIR": settings.dev_keys_dir,
            "LOG_LEVEL": "WARNING",
            "METRICS_PORT": str(free_port()),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(sink.port),
            "SCHEDULER_LEASE_S": "2",
            "SCHEDULER_IDLE_S": "0.1",
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "services.notifications", "worker"], cwd=REPO, env=env
        )
        try:
            assert sink.mailbox.receiving.wait(60), "the worker never sent the mail"
            os.kill(worker.pid, signal.SIGKILL)  # the sink has the mail; its answer is 3 s away
        finally:
            worker.wait(30)
        wait_for(sink.index, timeout_s=10)  # the sink accepted it after the sender was gone
        assert (
            MongoNotificationsUnitOfWork(db).deliveries.get(message.message_id).delivery.status == "sending"
        )

        sink.mailbox.delay_s = 0.0
        with running(build_worker(settings, delivery_config(sink)), settings):
            wait_for(
                lambda: MongoNotificationsUnitOfWork(db).deliveries.get(message.message_id).delivery.final
            )
            wait_for(lambda: not db[DELIVERIES].count_documents({"outbox_pending": True}))
            published = read_topic(settings, settings.topic(NOTIFICATIONS), expected=2, timeout_s=5)

    delivery = MongoNotificationsUnitOfWork(db).deliveries.get(message.message_id).delivery
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert worker.returncode == -signal.SIGKILL
    assert sink.message_ids() == {email_message_id(message.message_id)}
    assert len(list(sink.directory.glob("*.eml"))) == 1
    # the SMTP conversation happened twice; the second is recognisable as a repeat of the first
    assert [entry["repeat"] for entry in sink.index()] == [False, True]
    assert len(published) == 1

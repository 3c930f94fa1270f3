"""The delivery engine on the real servers: Kafka, FerretDB and a real SMTP server on loopback.
E-mails reach the sink as multipart with a Message-ID derived from the message id and List-Unsubscribe;
a server answering 4xx is retried on schedule and then the delivery fails with the reason (and
notification.failed is published); 5xx fails at once; STARTTLS is used when configured."""

from __future__ import annotations

from deploy.local.smtp_sink import read_message, self_signed
from services.notifications.domain.delivery import email_message_id
from services.notifications.service.deliver import plan_delivery
from services.notifications.store.deliveries import DELIVERIES
from services.notifications.store.uow import MongoNotificationsUnitOfWork
from services.notifications.worker import build_worker
from shared.contracts import NOTIFICATIONS
from shared.contracts.types import NotificationDelivered, NotificationFailed
from shared.mongo import database_for
from tests.support.harness import read_topic, running, topics_ready, wait_for
from tests.support.smtp import delivery_config, email, smtp_sink


def _status(db, message_id: str):
    loaded = MongoNotificationsUnitOfWork(db).deliveries.get(message_id)
    return loaded.delivery if loaded else None


def test_a_planned_email_reaches_the_smtp_server_as_multipart_with_its_message_id_and_unsubscribe_link(
    settings_for, tmp_path
):
    settings = settings_for("notifications")
    topics_ready(settings)
    with smtp_sink(tmp_path / "mailbox") as sink:
        parts = build_worker(settings, delivery_config(sink))
        db = database_for(settings)
        message = email("evt-1")
        plan_delivery(MongoNotificationsUnitOfWork(db), message)
        with running(parts, settings):
            wait_for(lambda: _status(db, message.message_id).status == "sent", timeout_s=30)
            [entry] = wait_for(sink.index, timeout_s=10)
            wait_for(lambda: not db[DELIVERIES].count_documents({"outbox_pending": True}))

    assert entry["to"] == ["e1@example.com"]
    assert entry["message_id"] == email_message_id("evt-1:E1:email")
    mail = read_message(sink.directory, entry)
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
    assert "<b>accept</b>" in mail.get_body(("html",)).get_content()
    assert mail["List-Unsubscribe"].strip() == (
        "<http://notifications.test/v1/me/preferences?category=pairing&channel=email>"
    )
    assert mail["List-Unsubscribe-Post"] is None  # pairing mail is mandatory: no one-click (RFC 8058)
    [outcome] = read_topic(settings, settings.topic(NOTIFICATIONS), expected=1)
    assert NotificationDelivered.type.encode() in outcome.value


def test_a_server_answering_4xx_is_retried_on_schedule_then_the_delivery_fails_with_its_reply(
    settings_for, tmp_path
):
    settings = settings_for("notifications")
    topics_ready(settings)
    with smtp_sink(tmp_path / "mailbox", reply="451 4.3.0 mailbox busy, try later") as sink:
        parts = build_worker(settings, delivery_config(sink, delays=(0.2, 0.4)))
        db = database_for(settings)
        message = email("evt-2")
        plan_delivery(MongoNotificationsUnitOfWork(db), message)
        with running(parts, settings):
            failed = wait_for(
                lambda: (d := _status(db, message.message_id)).status == "failed" and d, timeout_s=30
            )
            records = read_topic(settings, settings.topic(NOTIFICATIONS), expected=1)

    assert failed.attempts == 3
    assert failed.error == "SMTP 451 4.3.0 mailbox busy, try later"
    assert sink.index() == []
    [record] = records
    assert NotificationFailed.type.encode() in record.value
    assert b"mailbox busy" in record.value
    assert MongoNotificationsUnitOfWork(db).schedule.count() == 0


def test_a_server_answering_5xx_fails_the_delivery_at_once_without_retrying(settings_for, tmp_path):
    settings = settings_for("notifications")
    with smtp_sink(tmp_path / "mailbox", reply="550 5.1.1 no such user") as sink:
        parts = build_worker(settings, delivery_config(sink, delays=(0.2, 0.2)))
        db = database_for(settings)
        message = email("evt-3")
        plan_delivery(MongoNotificationsUnitOfWork(db), message)
        with running(parts, settings):
            failed = wait_for(
                lambda: (d := _status(db, message.message_id)).status == "failed" and d, timeout_s=30
            )
    assert (failed.attempts, failed.error) == (1, "SMTP 550 5.1.1 no such user")


def test_starttls_is_used_when_configured_and_the_server_certificate_is_verified(settings_for, tmp_path):
    settings = settings_for("notifications")
    cert, key = self_signed(tmp_path / "tls")
    with smtp_sink(tmp_path / "mailbox", tls_cert=cert, tls_key=key) as sink:
        db = database_for(settings)
        trusted = build_worker(settings, delivery_config(sink, tls="starttls", ca_file=str(cert)))
        message = email("evt-4")
        plan_delivery(MongoNotificationsUnitOfWork(db), message)
        with running(trusted, settings):
            wait_for(lambda: _status(db, message.message_id).status == "sent", timeout_s=30)
        assert len(sink.index()) == 1

        untrusted = build_worker(settings, delivery_config(sink, delays=(), tls="starttls"))
        stranger = email("evt-5")
        plan_delivery(MongoNotificationsUnitOfWork(db), stranger)
        with running(untrusted, settings):
            failed = wait_for(
                lambda: (d := _status(db, stranger.message_id)).status == "failed" and d, timeout_s=30
            )
    assert "CERTIFICATE_VERIFY_FAILED" in failed.error
    assert len(sink.index()) == 1

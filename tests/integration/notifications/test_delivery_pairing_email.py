"""A real pairing.published on Kafka becomes an e-mail at the local SMTP sink: the junior's in French with
why the two were matched (the pairing's strongest component scores in words), multipart text + HTML, a
Message-ID derived from the event and recipient, and List-Unsubscribe; a reminder's one-click link
(RFC 8058), read at the sink, unsubscribes its recipient."""

from __future__ import annotations

from dataclasses import replace

from deploy.local.smtp_sink import read_message
from services.notifications.app import create_app
from services.notifications.domain.delivery import email_message_id
from services.notifications.domain.message import message_id_of
from services.notifications.service.deliver import plan_delivery
from services.notifications.store.uow import MongoNotificationsUnitOfWork
from services.notifications.worker import build_worker
from shared.contracts.types import PairingPublished
from shared.mongo import database_for
from tests.integration.notifications.test_inbox_people import publish
from tests.integration.notifications.test_unsubscribe import keys  # noqa: F401 (fixture)
from tests.support.harness import bearer, running, topics_ready, wait_for
from tests.support.notification_people import JUNIOR_CONTACT, cast, envelope, pairing
from tests.support.smtp import delivery_config, email, smtp_sink

COMPONENTS = {"topic_fit": 0.9, "availability": 0.7, "language": 0.4, "diversity": 0.0}


def test_a_published_pairing_reaches_the_junior_at_the_sink_in_french_with_why_they_were_matched(
    settings_for, tmp_path
):
    settings = settings_for("notifications")
    topics_ready(settings)
    published = envelope(PairingPublished("pr-1", pairing("published", components=COMPONENTS)))
    publish(settings, *cast(), published)
    expected_id = email_message_id(message_id_of(published.id, "J1", "email"))  # the participant id

    with smtp_sink(tmp_path / "mailbox") as sink:
        with running(build_worker(settings, delivery_config(sink)), settings):
            wait_for(lambda: expected_id in sink.message_ids(), timeout_s=60)
        [entry] = [e for e in sink.index() if e["message_id"] == expected_id]
        mail = read_message(sink.directory, entry)

    assert entry["to"] == [JUNIOR_CONTACT["email"]] and not entry["repeat"]
    assert mail["Message-ID"] == expected_id
    assert mail["Subject"].startswith("Vous avez")
    assert mail.is_multipart() and mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Pourquoi vous deux" in text and "Lea Leader" in text
    reasons = [line for line in text.splitlines() if line.startswith("- ")]
    assert reasons == [  # the strongest non-zero components, best first
        "- ce que le ou la leader veut apprendre, le ou la junior sait l'enseigner",
        "- vos agendas se recoupent",
        "- vous parlez une langue commune",
    ]
    assert "vos agendas se recoupent" in html and '<html lang="fr">' in html
    # pairing messages are mandatory: no one-click link, the preferences page instead
    assert mail["List-Unsubscribe"].strip() == (
        "<http://notifications.test/v1/me/preferences?category=pairing&channel=email>"
    )


def test_a_reminder_carries_a_one_click_link_that_unsubscribes_its_recipient_from_reminder_mail(
    settings_for,
    tmp_path,
    keys,  # noqa: F811
):
    secret = keys.secret
    settings = settings_for("notifications")
    topics_ready(settings)
    db = database_for(settings)
    reminder = replace(email("evt-reminder", "E-JUN"), category="reminders", template="checkin_due")
    with smtp_sink(tmp_path / "mailbox") as sink:
        config = replace(delivery_config(sink), unsubscribe_secret=secret)
        plan_delivery(MongoNotificationsUnitOfWork(db), reminder)
        with running(build_worker(settings, config), settings):
            [entry] = wait_for(sink.index, timeout_s=30)
        mail = read_message(sink.directory, entry)

    link = mail["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith("http://notifications.test/v1/unsubscribe?token=")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    client = create_app(settings).test_client()
    path = link.removeprefix("http://notifications.test")
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).get_json()["unsubscribed"] is True
    mine = client.get("/v1/me/preferences", headers=bearer(settings, "E-JUN", "participant")).get_json()
    assert mine["channels"]["reminders"] == ["in_app"]

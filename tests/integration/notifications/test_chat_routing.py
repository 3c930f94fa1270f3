"""A program's chat channel on the real servers: matching's match_run.completed on Kafka reaches the
program's incoming webhook (a real local HTTP receiver) as one Block Kit message with counts only."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notifications.store.uow import MongoNotificationsUnitOfWork
from services.notifications.worker import build_worker
from shared.contracts.types import MatchRunCompleted, PairingPublished
from shared.mongo import database_for
from tests.integration.notifications.test_delivery_api_and_chat import receiver  # noqa: F401 (fixture)
from tests.integration.notifications.test_inbox_people import CONFIG, publish
from tests.support.harness import running, topics_ready, wait_for
from tests.support.notification_people import JUNIOR_CONTACT, LEADER_CONTACT, cast, envelope, pairing


def test_a_match_run_reaches_the_programs_chat_once_with_counts_and_no_names(settings_for, receiver):  # noqa: F811
    settings = settings_for("notifications")
    topics_ready(settings)
    uow = MongoNotificationsUnitOfWork(database_for(settings))
    uow.chat_webhooks.put("prog-1", receiver.url, "A1", datetime.now(UTC))
    completed = envelope(
        MatchRunCompleted(
            "run-1",
            {
                "match_run_id": "run-1",
                "program_id": "prog-1",
                "dry_run": False,
                "proposals": 5,
                "unmatched": 1,
                "total_score": 3.2,
                "duration_s": 0.2,
                "kind": "run",
            },
        )
    )
    publish(settings, *cast(), envelope(PairingPublished("pr-1", pairing("published"))))
    programs = database_for(settings)["programs"]

    with running(build_worker(settings, CONFIG), settings):
        wait_for(lambda: programs.count_documents({}) == 1)  # the program topic is another partition
        publish(settings, completed, completed)
        wait_for(lambda: len(receiver.bodies) == 1, timeout_s=30)
        sent = database_for(settings)["deliveries"]
        wait_for(lambda: sent.count_documents({"channel": "chat", "status": "sent"}) == 1)

    [body] = receiver.bodies
    assert body["text"].startswith("Match run finished in Digital leadership")
    assert "5 proposal(s)" in body["blocks"][1]["text"]["text"] and "1 leader(s)" in body["text"]
    names = (LEADER_CONTACT["display_name"], JUNIOR_CONTACT["display_name"], "L1", "J1", "E-LEAD", "E-JUN")
    assert not [name for name in names if name in str(body)]
    [chat] = sent.find({"channel": "chat"})
    assert chat["_id"] == f"{completed.id}:program:prog-1:chat" and chat["address"] == receiver.url

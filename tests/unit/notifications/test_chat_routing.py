"""A program's chat channel hears program-level notices (counts and program facts) once per event and
program, and nothing about one person or pairing. In memory, through notifications' Kafka handlers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifications.domain.routing import CHAT_ROUTES, ROUTES
from services.notifications.service.chat_notices import chat_recipient
from services.notifications.store.uow import MemoryNotificationsUnitOfWork
from shared.contracts import types as t
from shared.contracts.types import MatchRunCompleted, PairingAtRisk, PairingPublished, ProgramStatusChanged
from tests.support.notification_people import LEADER_CONTACT, PROGRAM, cast, envelope, pairing
from tests.unit.notifications.test_notify_use_cases import World

HOOK = "https://chat.example.com/hooks/prog-1"


def run_completed(**changes) -> dict:
    return {
        "match_run_id": "run-1",
        "program_id": "prog-1",
        "dry_run": False,
        "proposals": 7,
        "unmatched": 2,
        "total_score": 5.5,
        "duration_s": 0.4,
        "kind": "run",
        **changes,
    }


def chat_world(hook: bool = True) -> World:
    world = World()
    world.feed(*cast())
    if hook:
        world.uow.chat_webhooks.put("prog-1", HOOK, "A1", datetime.now(UTC))
    return world


def chats(uow: MemoryNotificationsUnitOfWork) -> list:
    return uow.deliveries.search({"channel": "chat"}, None, 100)


def test_a_completed_match_run_posts_its_counts_once_to_the_programs_chat():
    world = chat_world()
    event = envelope(MatchRunCompleted("run-1", run_completed()))
    world.feed(event, event)  # redelivered: still one message

    [chat] = chats(world.uow)
    message = chat.message
    assert message.recipient == chat_recipient("prog-1") and message.address == HOOK
    assert message.message_id == f"{event.id}:program:prog-1:chat" and message.participant_id is None
    assert "7" in message.text and "2" in message.text and PROGRAM["name"] in message.subject
    assert message.html is None
    due = world.uow.schedule.claim_due(world.now, "test", 100, timedelta(seconds=60))
    assert [item.item_id for item in due if item.kind == "delivery"].count(message.message_id) == 1


def test_a_program_status_change_posts_to_chat_and_a_dry_run_does_not():
    world = chat_world()
    world.feed(envelope(MatchRunCompleted("run-2", run_completed(match_run_id="run-2", dry_run=True))))
    assert chats(world.uow) == []
    world.feed(envelope(ProgramStatusChanged("prog-1", {**PROGRAM, "status": "enrolling"})))
    [chat] = chats(world.uow)
    assert chat.message.template == "chat_program_status" and "open for enrolment" in chat.message.text


def test_a_program_without_a_chat_webhook_gets_no_chat_message():
    world = chat_world(hook=False)
    world.feed(envelope(MatchRunCompleted("run-1", run_completed())))
    assert chats(world.uow) == []
    assert world.uow.deliveries.search({"template": "match_run_completed"}, None, 10)  # the admin's mail


def test_nothing_about_one_person_or_pairing_reaches_the_shared_channel():
    world = chat_world()
    world.feed(
        envelope(PairingPublished("pr-1", pairing("published"))),
        envelope(
            PairingAtRisk("pr-1", {"pairing_id": "pr-1", "program_id": "prog-1", "reason": "low_health"})
        ),
    )
    assert chats(world.uow) == []
    person_events = {t.PairingPublished, t.PairingAtRisk, t.PulseEscalated, t.PulseClosed, t.InsightActedUpon}
    assert not person_events & set(CHAT_ROUTES)
    assert set(CHAT_ROUTES) <= set(ROUTES)  # the consumer records every chat-routed type
    assert LEADER_CONTACT["display_name"] not in str(chats(world.uow))

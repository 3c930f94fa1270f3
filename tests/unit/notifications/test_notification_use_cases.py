"""Notifications' use cases on the in-memory unit of work: a command through the bus, no servers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notifications.service.bus import build_bus
from services.notifications.service.notify import ForgetParticipant, RecordNotifications, inbox
from services.notifications.store.uow import MemoryNotificationsUnitOfWork
from shared.contracts.types import NotificationDelivered, PairingAccepted, PairingEnded, PairingPublished
from tests.support.pairing_payloads import pairing_payload

PAIRING = pairing_payload("published")
AT = datetime(2026, 11, 25, 10, tzinfo=UTC)


@pytest.fixture
def uow():
    return MemoryNotificationsUnitOfWork(clock=lambda: AT)


def test_a_published_pairing_tells_the_leader_and_the_junior_once_each(uow):
    bus = build_bus(uow)
    bus.handle(RecordNotifications("evt-1", PairingPublished("pr-1", PAIRING)))
    outcomes = uow.deliveries.pending()
    assert [e.type for e in outcomes] == [NotificationDelivered.type] * 2
    assert sorted(e.subject for e in outcomes) == ["J1", "L1"]
    assert next(e for e in outcomes if e.subject == "L1").data == {
        "notification_id": "evt-1:L1:in_app",
        "recipient_id": "L1",
        "channel": "in_app",
        "template": "pairing_published",
        "cause_event_id": "evt-1",
        "error": None,
        "attempts": 0,
    }
    items, total = inbox(uow, "L1", 0, 10)
    assert total == 1
    assert items[0]["text"] == "You have been paired in program prog-1. Please accept or decline your match."
    assert items[0]["planned_at"] == AT and items[0]["status"] == "sent"


def test_a_redelivered_cause_notifies_nobody_again(uow):
    bus = build_bus(uow)
    command = RecordNotifications("evt-1", PairingPublished("pr-1", PAIRING))
    bus.handle(command)
    bus.handle(command)
    assert inbox(uow, "J1", 0, 10)[1] == 1
    assert len(uow.deliveries.pending()) == 2


def test_an_ended_pairing_names_its_reason_and_an_accepted_one_tells_nobody(uow):
    bus = build_bus(uow)
    ended = {**PAIRING, "state": "ended", "reason": "program closed"}
    bus.handle(RecordNotifications("evt-2", PairingEnded("pr-1", ended)))
    assert inbox(uow, "J1", 0, 10)[0][0]["text"] == "Your pairing ended (program closed)."
    bus.handle(RecordNotifications("evt-3", PairingAccepted("pr-1", PAIRING)))
    assert inbox(uow, "J1", 0, 10)[1] == 1


def test_forgetting_a_recipient_blanks_their_messages_and_keeps_the_other_persons(uow):
    bus = build_bus(uow)
    bus.handle(RecordNotifications("evt-1", PairingPublished("pr-1", PAIRING)))
    assert bus.handle(ForgetParticipant("L1")) == []
    assert inbox(uow, "L1", 0, 10)[0][0]["text"] is None
    assert inbox(uow, "J1", 0, 10)[0][0]["text"].startswith("You have been paired")
    assert [e.subject for e in uow.deliveries.pending()] == ["J1"]


def test_the_kafka_handler_turns_a_pairing_envelope_into_deliveries(uow):
    from services.notifications.events import handlers

    envelope = PairingPublished("pr-1", PAIRING).envelope("/tests")
    handlers(build_bus(uow))[PairingPublished](envelope)
    items, _ = inbox(uow, "J1", 0, 10)
    assert items[0]["message_id"] == f"{envelope.id}:J1:in_app"

"""The delivery engine on the in-memory unit of work: planned messages are sent when due, retried with
backoff, failed with the reason, resolved after a crash without a second message where the channel
allows, and resent as new messages. The channels here record what they are given (no servers)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.notifications.domain.delivery import UNKNOWN_OUTCOME, DeliveryError, RetryPolicy
from services.notifications.service.bus import build_bus
from services.notifications.service.deliver import Dispatch, ResendDelivery, plan_delivery
from services.notifications.service.scheduler import Scheduler
from services.notifications.store.uow import MemoryNotificationsUnitOfWork
from shared.contracts.types import NotificationDelivered, NotificationFailed
from shared.errors import Conflict
from tests.support.delivery_log_contract import START, message


class Recording:
    def __init__(self, name: str, idempotent: bool = True, failures: list[DeliveryError] | None = None):
        self.name, self.idempotent = name, idempotent
        self.failures = list(failures or [])
        self.sent: list[str] = []

    def send(self, delivery) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(delivery.message_id)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def uow(clock):
    return MemoryNotificationsUnitOfWork(clock=clock)


def scheduler(uow, *channels, delays=(5.0, 30.0)):
    dispatch = Dispatch(uow, {c.name: c for c in channels}, RetryPolicy(delays))
    return Scheduler(lambda: dispatch, threads=1)


def test_a_planned_email_is_sent_when_due_once_and_its_outcome_is_in_the_outbox(uow, clock):
    email = Recording("email")
    later = replace(message("e1"), deliver_at=START + timedelta(minutes=5))
    assert plan_delivery(uow, later, caused_at=START)
    assert not plan_delivery(uow, later, caused_at=START)
    fire = scheduler(uow, email)
    assert fire.fire_due() == 0 and email.sent == []
    clock.now = START + timedelta(minutes=5)
    assert fire.fire_due() == 1
    assert fire.fire_due() == 0
    assert email.sent == ["e1:L1:email"]
    delivery = uow.deliveries.get("e1:L1:email").delivery
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("sent", 1, clock.now)
    assert [(e.type, e.data["attempts"]) for e in uow.pending()] == [(NotificationDelivered.type, 1)]
    assert uow.schedule.count() == 0


def test_temporary_failures_are_retried_on_the_backoff_schedule_then_fail_with_the_reason(uow, clock):
    email = Recording("email", failures=[DeliveryError("SMTP 451 try later")] * 3)
    plan_delivery(uow, message("e1"))
    fire = scheduler(uow, email)
    fire.fire_due()
    assert uow.deliveries.get("e1:L1:email").delivery.status == "retrying"
    clock.now = START + timedelta(seconds=4)
    assert fire.fire_due() == 0  # the first retry waits 5 s
    clock.now = START + timedelta(seconds=5)
    assert fire.fire_due() == 1
    clock.now += timedelta(seconds=30)
    assert fire.fire_due() == 1
    delivery = uow.deliveries.get("e1:L1:email").delivery
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 3, "SMTP 451 try later")
    [failed] = uow.pending()
    assert failed.type == NotificationFailed.type and failed.data["error"] == "SMTP 451 try later"
    assert uow.schedule.count() == 0 and email.sent == []


def test_a_permanent_refusal_fails_at_once_without_retrying(uow):
    email = Recording("email", failures=[DeliveryError("SMTP 550 no such user", permanent=True)])
    plan_delivery(uow, message("e1"))
    scheduler(uow, email).fire_due()
    delivery = uow.deliveries.get("e1:L1:email").delivery
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert uow.schedule.count() == 0


def _left_sending(uow, channel: str) -> None:
    """What a worker killed between the intent and the outcome leaves behind."""
    plan_delivery(uow, message("e1", channel=channel))
    delivery, version = uow.deliveries.get(f"e1:L1:{channel}")
    uow.deliveries.save(delivery.sending(START), version)


def test_an_email_left_sending_by_a_crash_is_sent_again_under_the_same_message_id(uow):
    email = Recording("email")
    _left_sending(uow, "email")
    scheduler(uow, email).fire_due()
    delivery = uow.deliveries.get("e1:L1:email").delivery
    assert email.sent == ["e1:L1:email"]
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_a_chat_message_left_sending_by_a_crash_is_not_posted_twice_but_failed_as_unknown(uow):
    chat = Recording("chat", idempotent=False)
    _left_sending(uow, "chat")
    scheduler(uow, chat).fire_due()
    delivery = uow.deliveries.get("e1:L1:chat").delivery
    assert chat.sent == []
    assert (delivery.status, delivery.error) == ("failed", UNKNOWN_OUTCOME)


def test_an_in_app_message_is_planned_as_sent_and_never_scheduled(uow):
    assert plan_delivery(uow, message("e1", channel="in_app"))
    assert uow.deliveries.get("e1:L1:in_app").delivery.status == "sent"
    assert uow.schedule.count() == 0
    assert [e.type for e in uow.pending()] == [NotificationDelivered.type]


def test_a_resend_is_a_new_message_named_after_the_original_and_its_resend_count(uow, clock):
    email = Recording("email")
    plan_delivery(uow, message("e1"))
    fire = scheduler(uow, email)
    bus = build_bus(uow)
    with pytest.raises(Conflict):
        bus.handle(ResendDelivery("e1:L1:email"))  # still planned
    fire.fire_due()
    [first] = bus.handle(ResendDelivery("e1:L1:email"))
    [second] = bus.handle(ResendDelivery("e1:L1:email"))
    assert (first.message_id, second.message_id) == ("e1:L1:email:resend:1", "e1:L1:email:resend:2")
    fire.fire_due()
    assert email.sent == ["e1:L1:email", "e1:L1:email:resend:1", "e1:L1:email:resend:2"]
    assert uow.deliveries.get("e1:L1:email:resend:1").delivery.resend_of == "e1:L1:email"


def test_an_item_of_a_kind_nobody_handles_is_dropped_and_a_failing_handler_is_tried_later(uow, clock):
    uow.schedule.schedule("x", "mystery", START, {})
    calls = []

    def broken(item, dispatch):
        calls.append(item.attempt)
        raise RuntimeError("bug")

    dispatch = Dispatch(uow, {})
    fire = Scheduler(lambda: dispatch, {"broken": broken}, threads=1, max_errors=2)
    uow.schedule.schedule("y", "broken", START, {})
    assert fire.fire_due() == 2
    assert uow.schedule.count() == 1
    clock.now += fire.error_backoff
    fire.fire_due()
    assert calls == [0, 1] and uow.schedule.count() == 0

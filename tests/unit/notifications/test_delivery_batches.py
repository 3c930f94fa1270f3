"""The worker's fast path on the in-memory unit of work: a polled run of events recorded at once gives what
one by one gives, a redelivered run adds nothing, and e-mails due now are handed to the scheduler already
claimed, planned with their intent written, sent once with one attempt counted, and sent again under the
same message id by another worker if this one dies before sending. No servers."""

from __future__ import annotations

from datetime import timedelta

from services.notifications import events
from services.notifications.domain.delivery import RetryPolicy
from services.notifications.service.bus import build_bus
from services.notifications.service.deliver import Dispatch
from services.notifications.service.scheduler import Scheduler, WakingSchedule
from services.notifications.store.uow import MemoryNotificationsUnitOfWork
from shared.contracts.types import NotificationDelivered, PairingActivated, PairingPublished
from shared.events.consumer import BatchHandler
from shared.events.registry import REGISTRY
from tests.support.notification_people import START, cast, envelope, pairing

NOW = START + timedelta(days=2)  # 12:00 UTC on a Wednesday: no quiet hours in Paris


class Recording:
    name, idempotent = "email", True

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, delivery) -> None:
        self.sent.append(delivery.message_id)


def world(handing: bool = False, email: Recording | None = None):
    uow = MemoryNotificationsUnitOfWork(clock=lambda: NOW)
    scheduler = Scheduler(lambda: Dispatch(uow, {"email": email or Recording()}, RetryPolicy()), threads=1)
    if handing:
        uow.schedule = WakingSchedule(uow.schedule, scheduler.wake, uow.clock, scheduler)
    handlers = events.handlers(build_bus(uow), "https://mentoring.example.com")
    for event in cast():
        handlers[REGISTRY.get(event.type).event_class](event)
    return uow, handlers, scheduler


def batch_of(handlers, *consumed) -> None:
    handler = handlers[REGISTRY.get(consumed[0].type).event_class]
    assert isinstance(handler, BatchHandler)
    handler.handle_many(list(consumed))


def state(uow) -> tuple:
    deliveries = sorted((d.message_id, d.status) for d in uow.deliveries.search({}, None, 1000))
    inbox = sorted(i["subject"] for r in ("E-LEAD", "E-JUN") for i in uow.inbox.page([r], None, 100))
    return deliveries, inbox, uow.schedule.count()


def test_a_run_of_events_recorded_at_once_gives_what_one_by_one_gives_and_a_redelivery_adds_nothing():
    consumed = [
        envelope(PairingPublished("pr-1", pairing("published"))),
        envelope(PairingActivated("pr-1", pairing("active"))),
    ]
    one_by_one, handlers, _ = world()
    for event in consumed:
        handlers[REGISTRY.get(event.type).event_class](event)
    batched, handlers, _ = world()
    batch_of(handlers, *consumed)
    assert state(batched) == state(one_by_one)
    assert len(state(batched)[0]) > len(state(world()[0])[0]), "the run told people something"
    batch_of(handlers, *consumed)
    for event in consumed:
        handlers[REGISTRY.get(event.type).event_class](event)
    assert state(batched) == state(one_by_one)


def test_emails_due_now_are_handed_over_claimed_and_sent_once_with_one_attempt():
    email = Recording()
    uow, handlers, scheduler = world(handing=True, email=email)
    email.sent.clear()
    scheduler.fire_due()  # the enrolment e-mails of the cast
    email.sent.clear()
    batch_of(handlers, envelope(PairingPublished("pr-1", pairing("published"))))
    planned = uow.deliveries.search({"channel": "email"}, None, 10)
    pairing_mails = [d for d in planned if d.message.template == "pairing_published"]
    assert {(d.status, d.attempts) for d in pairing_mails} == {("sending", 1)}, "the intent is in the plan"
    assert uow.schedule.claim_due(NOW, "another-worker", 10, timedelta(seconds=60)) == []
    scheduler.fire_due()
    assert sorted(email.sent) == sorted(d.message_id for d in pairing_mails)
    sent = [uow.deliveries.get(d.message_id).delivery for d in pairing_mails]
    assert {(d.status, d.attempts) for d in sent} == {("sent", 1)}
    outcomes = [e for e in uow.pending() if e.type == NotificationDelivered.type]
    mailed = [
        e for e in outcomes if e.data["channel"] == "email" and e.data["template"] == "pairing_published"
    ]
    assert [e.data["attempts"] for e in mailed] == [1, 1]
    assert uow.schedule.count() == 0


def test_an_email_handed_over_to_a_worker_that_died_is_sent_by_another_under_the_same_message_id():
    uow, handlers, scheduler = world(handing=True)
    scheduler.fire_due()
    batch_of(handlers, envelope(PairingPublished("pr-1", pairing("published"))))
    # the worker dies here: nothing is sent; another worker claims the items once their lease runs out
    later = NOW + scheduler.lease + timedelta(seconds=1)
    other = Recording()
    uow.clock = lambda: later
    survivor = Scheduler(lambda: Dispatch(uow, {"email": other}, RetryPolicy()), threads=1)
    survivor.owner = "survivor"
    survivor.fire_due()
    mails = [
        d
        for d in uow.deliveries.search({"channel": "email"}, None, 10)
        if d.message.template == "pairing_published"
    ]
    assert sorted(other.sent) == sorted(d.message_id for d in mails)
    assert {(d.status, d.attempts) for d in mails} == {("sent", 2)}, "the resend is the second attempt"

"""Subscriber webhooks as use cases on the in-memory unit of work: endpoints, fan-out, the retry
schedule, abort and 410, disabling with the admins told, rotation overlap, replay, erasure, a crash
mid-send. The receiver is a recording fake behind the sender port; time is a controlled clock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications.channels.webhook import AttemptResult, WebhookChannel
from services.notifications.domain.webhooks import RetrySchedule, WebhookPolicy, url_refusal
from services.notifications.service.bus import build_bus
from services.notifications.service.webhooks import fire_webhook
from services.notifications.service.webhooks.delivery import FanOutWebhooks
from services.notifications.service.webhooks.endpoints import (
    CreateWebhookEndpoint,
    RotateWebhookSecret,
    UpdateWebhookEndpoint,
    WebhookEndpointSaved,
)
from services.notifications.service.webhooks.replay import (
    ForgetWebhookRecipient,
    ReplayWebhookMessages,
    attempts_for,
    messages_for,
)
from services.notifications.store.uow import MemoryNotificationsUnitOfWork
from shared.auth import Principal
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.events.envelope import make_event

ADMIN = Principal("A1", frozenset({"admin"}))
OTHER_ADMIN = Principal("A2", frozenset({"admin"}))
SERVICE = Principal("crm", frozenset({"service"}))
PUBLISHED = "mentoring.pairing.published.v1"
LEASE = timedelta(seconds=30)


class Clock:
    """Starts at the real time of the test (a receiver's verification compares with it), then moves on
    only when told."""

    def __init__(self) -> None:
        self.start = self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Receiver:
    """Answers each POST with the next scripted answer (the last one repeats) and keeps what it got."""

    answers: list[AttemptResult] = field(default_factory=lambda: [AttemptResult(204, 1.0)])
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    crash_next: bool = False

    def refusal(self, url: str) -> str | None:
        return url_refusal(url, {"hooks.test"}, lambda host, port: ["10.0.0.9"])

    def send(self, url, headers, body) -> AttemptResult:
        self.received.append((url, dict(headers), body))
        if self.crash_next:
            self.crash_next = False
            raise SystemExit("worker killed mid-send")
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    @property
    def ids(self) -> list[str]:
        return [headers["webhook-id"] for _, headers, _ in self.received]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def uow(clock, receiver):
    uow = MemoryNotificationsUnitOfWork(clock)
    policy = WebhookPolicy(
        schedule=RetrySchedule((0, 5, 300)),
        disable_after=timedelta(hours=1),
        secret_overlap=timedelta(hours=2),
    )
    uow.webhook_channel = WebhookChannel(policy, receiver)
    uow.people.save_program("PRG1", {"program_id": "PRG1", "admins": ["A1"]}, clock.start, "ev-program")
    return uow


def run_due(uow) -> int:
    """What the scheduler does with due "webhook" items: claim, fire, then finish or reschedule."""
    items = uow.schedule.claim_due(uow.clock(), "test", 100, LEASE)
    for item in items:
        retry_at = fire_webhook(item, SimpleNamespace(uow=uow))
        if retry_at is None:
            uow.schedule.done(item)
        else:
            uow.schedule.retry(item, retry_at)
    return len(items)


def subscribe(uow, actor=ADMIN, program_id="PRG1", types=(PUBLISHED,), url="https://hooks.test/in"):
    [saved] = build_bus(uow).handle(CreateWebhookEndpoint(actor, url, tuple(types), "CRM sync", program_id))
    assert isinstance(saved, WebhookEndpointSaved)
    return saved


def signed_by(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The library's verification without its five-minute window (these tests move the clock)."""
    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(headers["webhook-id"], at, body.decode())
    return expected in headers["webhook-signature"].split(" ")


def pairing_event(program_id="PRG1", event_id="ev-1", kind=PUBLISHED):
    data = {"pairing_id": "P1", "program_id": program_id, "leader_id": "L1", "junior_id": "J1"}
    return make_event(kind, "/services/matching", "P1", data, event_id=event_id)


def test_an_admin_subscribes_for_their_program_and_gets_the_secret_once(uow):
    saved = subscribe(uow)
    assert saved.secret.startswith("whsec_")
    assert saved.endpoint.program_id == "PRG1" and saved.endpoint.created_by == "A1"
    [view] = build_bus(uow).handle(
        UpdateWebhookEndpoint(ADMIN, saved.endpoint.endpoint_id, {"description": "x"})
    )
    assert view.secret is None and view.endpoint.description == "x"


def test_an_admin_of_another_program_may_neither_subscribe_nor_see_the_endpoint(uow):
    with pytest.raises(Forbidden):
        subscribe(uow, actor=OTHER_ADMIN)
    with pytest.raises(Forbidden):
        subscribe(uow, program_id=None)
    endpoint_id = subscribe(uow).endpoint.endpoint_id
    with pytest.raises(NotFound):
        build_bus(uow).handle(RotateWebhookSecret(OTHER_ADMIN, endpoint_id))


def test_a_service_subscribes_to_every_program(uow, receiver):
    subscribe(uow, actor=SERVICE, program_id=None)
    build_bus(uow).handle(FanOutWebhooks(pairing_event(program_id="PRG9")))
    run_due(uow)
    assert len(receiver.received) == 1


def test_unknown_or_personal_event_types_and_internal_urls_are_refused_naming_the_fields(uow):
    with pytest.raises(InvalidInput) as refused:
        subscribe(uow, types=("mentoring.participant.registered.v1", "nope"), url="http://10.0.0.1/")
    assert set(refused.value.errors) == {"event_types", "url"}
    assert len(refused.value.errors["event_types"]) == 2
    with pytest.raises(InvalidInput) as internal_name:
        subscribe(uow, url="https://internal.example.com/")
    assert "private" in internal_name.value.errors["url"][0]


def test_an_event_reaches_each_subscribed_endpoint_once_signed_with_its_secret(uow, receiver):
    saved = subscribe(uow)
    subscribe(uow, types=("mentoring.pairing.ended.v1",))
    event = pairing_event()
    build_bus(uow).handle(FanOutWebhooks(event))
    build_bus(uow).handle(FanOutWebhooks(event))  # redelivered by Kafka
    assert run_due(uow) == 1
    [(url, headers, body)] = receiver.received
    assert url == "https://hooks.test/in"
    assert Webhook(saved.secret).verify(body, headers)["id"] == "ev-1"
    with pytest.raises(WebhookVerificationError):
        Webhook(subscribe(uow).secret).verify(body, headers)
    [message], total = messages_for(uow, ADMIN, saved.endpoint.endpoint_id, None, None, 0, 10)
    assert total == 1 and message["status"] == "delivered" and message["attempts"] == 1
    [outcome] = [e for e in uow.pending() if e.type == "mentoring.notification.delivered.v1"]
    assert outcome.data["channel"] == "webhook" and outcome.data["recipient_id"] == saved.endpoint.endpoint_id


def test_an_event_of_another_program_or_type_is_not_sent(uow, receiver):
    subscribe(uow)
    build_bus(uow).handle(FanOutWebhooks(pairing_event(program_id="PRG2")))
    build_bus(uow).handle(FanOutWebhooks(pairing_event(kind="mentoring.pairing.ended.v1", event_id="ev-2")))
    assert run_due(uow) == 0 and receiver.received == []


def test_a_failing_receiver_is_retried_on_the_schedule_then_the_message_fails(uow, clock, receiver):
    saved = subscribe(uow)
    receiver.answers = [AttemptResult(500, 3.0)]
    build_bus(uow).handle(FanOutWebhooks(pairing_event()))
    assert run_due(uow) == 1
    clock.advance(seconds=4.9)
    assert run_due(uow) == 0
    clock.advance(seconds=0.1)
    assert run_due(uow) == 1
    clock.advance(seconds=299)
    assert run_due(uow) == 0
    clock.advance(seconds=1)
    assert run_due(uow) == 1
    clock.advance(days=1)
    assert run_due(uow) == 0
    assert len(set(receiver.ids)) == 1 and len(receiver.ids) == 3
    endpoint_id = saved.endpoint.endpoint_id
    [message], _ = messages_for(uow, ADMIN, endpoint_id, None, None, 0, 10)
    assert message["status"] == "failed" and "no attempts left" in message["last_error"]
    attempts = attempts_for(uow, ADMIN, endpoint_id, message["msg_id"])
    assert [a["status_code"] for a in attempts] == [500, 500, 500]
    assert [a["started_at"] - clock.start for a in attempts] == [
        timedelta(0),
        timedelta(seconds=5),
        timedelta(seconds=305),
    ]
    [failed] = [e for e in uow.pending() if e.type == "mentoring.notification.failed.v1"]
    assert failed.data["attempts"] == 3 and failed.data["channel"] == "webhook"


def test_a_receiver_asking_to_abort_stops_the_retries(uow, clock, receiver):
    saved = subscribe(uow)
    receiver.answers = [AttemptResult(400, 1.0, None, {"webhook-delivery": "abort-message"})]
    build_bus(uow).handle(FanOutWebhooks(pairing_event()))
    run_due(uow)
    clock.advance(days=1)
    assert run_due(uow) == 0 and len(receiver.received) == 1
    [message], _ = messages_for(uow, ADMIN, saved.endpoint.endpoint_id, None, None, 0, 10)
    assert message["status"] == "aborted"


def _notices(uow):
    return [
        e
        for e in uow.pending()
        if e.type == "mentoring.notification.delivered.v1"
        and e.data["template"] == "webhook_endpoint_disabled"
    ]


def test_an_endpoint_failing_past_the_limit_is_disabled_and_its_admin_told_once(uow, clock, receiver):
    saved = subscribe(uow)
    receiver.answers = [AttemptResult(None, 15000.0, "timed out after 15 s")]
    uow.webhook_channel = WebhookChannel(
        WebhookPolicy(schedule=RetrySchedule((0, 5, 300)), disable_after=timedelta(seconds=60)), receiver
    )
    build_bus(uow).handle(FanOutWebhooks(pairing_event()))
    build_bus(uow).handle(FanOutWebhooks(pairing_event(event_id="ev-2")))
    run_due(uow)
    clock.advance(seconds=5)
    run_due(uow)
    assert not uow.webhooks.endpoint(saved.endpoint.endpoint_id).record["disabled"]
    clock.advance(seconds=300)
    run_due(uow)
    endpoint = uow.webhooks.endpoint(saved.endpoint.endpoint_id).record
    assert endpoint["disabled"] and endpoint["disabled_reason"].startswith("failing for")
    [notice] = _notices(uow)
    assert notice.data["recipient_id"] == "A1" and notice.data["channel"] == "in_app"
    [item] = uow.inbox.page(["A1"], None, 10)
    assert saved.endpoint.endpoint_id in item["text"] and item["template"] == "webhook_endpoint_disabled"
    [disabled] = [
        e
        for e in uow.pending()
        if e.data.get("template") == "webhook_endpoint_disabled" and e.data["channel"] == "webhook"
    ]
    assert disabled.type == "mentoring.notification.failed.v1"
    build_bus(uow).handle(FanOutWebhooks(pairing_event(event_id="ev-3")))
    clock.advance(days=1)
    run_due(uow)
    # ev-1 three attempts, ev-2 two (its third found the endpoint disabled), nothing for ev-3
    assert len(receiver.received) == 5


def test_a_410_gone_disables_the_endpoint_at_once(uow, receiver):
    saved = subscribe(uow, actor=SERVICE, program_id=None)
    receiver.answers = [AttemptResult(410, 1.0)]
    build_bus(uow).handle(FanOutWebhooks(pairing_event()))
    run_due(uow)
    assert uow.webhooks.endpoint(saved.endpoint.endpoint_id).record["disabled"]
    [notice] = _notices(uow)
    assert notice.data["recipient_id"] == "crm"  # no program: its creator is told


def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(uow, clock, receiver):
    saved = subscribe(uow)
    [rotated] = build_bus(uow).handle(RotateWebhookSecret(ADMIN, saved.endpoint.endpoint_id))
    assert rotated.secret != saved.secret
    build_bus(uow).handle(FanOutWebhooks(pairing_event()))
    run_due(uow)
    _, headers, body = receiver.received[-1]
    assert len(headers["webhook-signature"].split()) == 2
    assert signed_by(saved.secret, headers, body) and signed_by(rotated.secret, headers, body)
    clock.advance(hours=2)
    build_bus(uow).handle(FanOutWebhooks(pairing_event(event_id="ev-2")))
    run_due(uow)
    _, headers, body = receiver.received[-1]
    assert len(headers["webhook-signature"].split()) == 1
    assert signed_by(rotated.secret, headers, body) and not signed_by(saved.secret, headers, body)


def test_a_replay_sends_the_same_message_under_the_same_id(uow, clock, receiver):
    saved = subscribe(uow)
    endpoint_id = saved.endpoint.endpoint_id
    build_bus(uow).handle(FanOutWebhooks(pairing_event()))
    run_due(uow)
    clock.advance(hours=1)
    build_bus(uow).handle(FanOutWebhooks(pairing_event(event_id="ev-2")))
    run_due(uow)
    first = receiver.ids[0]
    [replayed] = build_bus(uow).handle(ReplayWebhookMessages(ADMIN, endpoint_id, msg_id=first))
    run_due(uow)
    assert replayed.msg_ids == (first,) and receiver.ids[-1] == first
    assert receiver.received[-1][2] == receiver.received[0][2]
    [window] = build_bus(uow).handle(
        ReplayWebhookMessages(
            ADMIN, endpoint_id, since=clock.start, until=clock.start + timedelta(minutes=30)
        )
    )
    assert window.msg_ids == (first,)
    [everything] = build_bus(uow).handle(ReplayWebhookMessages(ADMIN, endpoint_id, since=clock.start))
    assert set(everything.msg_ids) == set(receiver.ids)
    run_due(uow)
    assert len(receiver.ids) == 5 and len(set(receiver.ids)) == 2
    assert [a["series"] for a in attempts_for(uow, ADMIN, endpoint_id, first)] == [0, 1, 3]  # 2 superseded


def test_a_worker_dying_mid_send_sends_again_under_the_same_id_once_the_lease_ends(uow, clock, receiver):
    subscribe(uow)
    build_bus(uow).handle(FanOutWebhooks(pairing_event()))
    receiver.crash_next = True
    with pytest.raises(SystemExit):
        run_due(uow)
    assert run_due(uow) == 0  # still held by the dead worker
    clock.advance(seconds=LEASE.total_seconds())
    assert run_due(uow) == 1
    assert len(receiver.ids) == 2 and len(set(receiver.ids)) == 1


def test_erasure_scrubs_the_messages_naming_the_person_and_cancels_unsent_ones(uow, receiver):
    saved = subscribe(uow)
    build_bus(uow).handle(FanOutWebhooks(pairing_event()))
    build_bus(uow).handle(ForgetWebhookRecipient("J1"))
    assert run_due(uow) == 1 and receiver.received == []
    record = uow.webhooks.message(uow.webhooks.messages(saved.endpoint.endpoint_id)[0][0]["msg_id"]).record
    assert record["status"] == "cancelled" and "J1" not in str(record)


def test_an_event_about_an_erased_person_arriving_late_is_not_sent(uow, receiver):
    subscribe(uow)
    uow.tombstones.bury("J1")
    build_bus(uow).handle(FanOutWebhooks(pairing_event()))
    assert run_due(uow) == 0 and receiver.received == []


def test_the_pairing_ended_by_an_erasure_reaches_subscribers_after_the_erasure(uow, receiver):
    """Subscribers are told of the erasure (they drop the pairing and the id from their copies): neither
    the tombstone nor the erasure's cancelling of messages naming the person withholds that one event."""
    ended = "mentoring.pairing.ended.v1"
    subscribe(uow, types=(PUBLISHED, ended))
    uow.tombstones.bury("J1")
    build_bus(uow).handle(ForgetWebhookRecipient("J1"))
    erasure = pairing_event(event_id="ev-erased", kind=ended)
    erasure.data.update(state="ended", end_kind="erased")
    other_end = pairing_event(event_id="ev-early", kind=ended)
    other_end.data.update(state="ended", end_kind="early")
    for event in (pairing_event(), other_end, erasure):
        build_bus(uow).handle(FanOutWebhooks(event))
    build_bus(uow).handle(ForgetWebhookRecipient("J1"))  # an erasure replayed after the notice was planned
    assert run_due(uow) == 1
    [(_url, _headers, body)] = receiver.received
    assert json.loads(body)["id"] == "ev-erased"

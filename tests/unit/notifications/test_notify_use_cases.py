"""Who is told what, on the in-memory unit of work: consumed events through notifications' Kafka handlers
into the bus, then the inbox, the delivery log, held digests and scheduled items. No servers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.notifications import events
from services.notifications.service.bus import build_bus
from services.notifications.service.digest import SendDigest
from services.notifications.service.notify import UNKNOWN_TYPES, RecordNotifications
from services.notifications.service.people import SavePreferences
from services.notifications.store.uow import MemoryNotificationsUnitOfWork
from shared.contracts.types import (
    ContactErased,
    PairingActivated,
    PairingDeclined,
    PairingEnded,
    PairingPublished,
    ParticipantErased,
    PulseEscalated,
)
from shared.events.envelope import Event
from shared.events.registry import REGISTRY
from shared.messages import PublishedEvent
from tests.support.notification_people import cast, envelope, pairing

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)  # 13:00 in Paris, 07:00 in New York
HR = "role:hr"
ENROLMENT = "enrolment_confirmed"


class World:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now
        self.uow = MemoryNotificationsUnitOfWork(clock=lambda: self.now)
        self.bus = build_bus(self.uow)
        self.handlers = events.handlers(self.bus, "https://mentoring.example.com")

    def feed(self, *consumed: Event) -> None:
        for event in consumed:
            self.handlers[REGISTRY.get(event.type).event_class](event)

    def inbox(self, recipient: str) -> list[dict]:
        """The recipient's items after their enrolment confirmation."""
        return [i for i in self.uow.inbox.page([recipient], None, 100) if i["template"] != ENROLMENT]

    def deliveries(self, **filters: str) -> list:
        found = self.uow.deliveries.search(filters, None, 1000)
        return [d for d in found if d.message.template != ENROLMENT]


@pytest.fixture
def world() -> World:
    w = World()
    w.feed(*cast())
    return w


def test_enrolment_is_confirmed_in_the_locale_of_the_persons_contact():
    w = World()
    w.feed(*cast())
    emails = w.uow.deliveries.search({"recipient": "E-JUN", "channel": "email"}, None, 10)
    assert [d.message.template for d in emails] == [ENROLMENT]
    assert emails[0].message.subject.startswith("Votre inscription")
    assert emails[0].message.address == "jules.junior@example.com"


def test_a_published_pairing_tells_both_sides_in_their_own_inbox_and_by_email_why_they_were_matched(world):
    components = {"topic_fit": 0.9, "reverse_fit": 0.2, "availability": 0.7, "language": 1.0, "focus": 0.0}
    world.feed(envelope(PairingPublished("pr-1", pairing("published", components=components))))
    (leader_item,) = world.inbox("E-LEAD")
    assert leader_item["template"] == "pairing_published"
    assert "Jules Junior" in leader_item["text"]
    assert leader_item["text"].index("you share a language") < leader_item["text"].index("your calendars")
    assert "can teach" in leader_item["text"] and "strengths" not in leader_item["text"]  # top three only
    (email,) = world.deliveries(recipient="E-JUN", channel="email")
    assert email.message.address == "jules.junior@example.com"
    assert email.message.locale == "fr" and "Pourquoi vous deux" in email.message.text
    assert "<li>" in email.message.html and email.message.deliver_at == NOW


def test_a_redelivered_cause_adds_no_second_message_anywhere(world):
    published = envelope(PairingPublished("pr-1", pairing("published")))
    scheduled = world.uow.schedule.count()
    world.feed(published, published)
    assert len(world.inbox("E-LEAD")) == 1
    assert len(world.deliveries(recipient="E-LEAD")) == 2  # in_app + email, once each
    assert world.uow.schedule.count() == scheduled + 2  # one e-mail each


def test_a_decline_tells_the_leader_they_wait_for_a_new_junior(world):
    declined = pairing("declined", by="J1", decline_reason="workload")
    world.feed(envelope(PairingDeclined("pr-1", declined)))
    (leader_item,) = world.inbox("E-LEAD")
    assert "waitlist" in leader_item["text"] and "workload" in leader_item["text"]
    (junior_item,) = world.inbox("E-JUN")
    assert "Vous avez refusé" in junior_item["text"]


def test_an_escalation_reaches_only_the_admins_it_names_and_never_the_pairing(world):
    payload = {"escalation_id": "x-1", "program_id": "prog-1", "route": "admin", "recipient_ids": ["A1"]}
    world.feed(envelope(PulseEscalated("x-1", payload)))
    assert [i["template"] for i in world.inbox("A1")] == ["pulse_escalated"]
    assert world.inbox("E-LEAD") == [] and world.inbox("E-JUN") == [] and world.inbox(HR) == []


def test_an_escalation_routed_to_hr_lands_only_in_the_hr_inbox(world):
    payload = {"escalation_id": "x-2", "program_id": "prog-1", "route": "hr", "recipient_ids": []}
    world.feed(envelope(PulseEscalated("x-2", payload)))
    assert [i["template"] for i in world.inbox(HR)] == ["pulse_escalated"]
    assert world.inbox("A1") == [] and world.inbox("E-LEAD") == []
    assert {d.message.recipient for d in world.deliveries()} == {HR}


def test_an_email_in_quiet_hours_waits_for_their_end_in_the_persons_zone(world):
    world.bus.handle(SavePreferences("E-JUN", {"quiet_hours": {"start": "22:00", "end": "08:00"}}))
    world.feed(envelope(PairingActivated("pr-1", pairing("active"))))
    (email,) = world.deliveries(recipient="E-JUN", channel="email")
    assert email.message.deliver_at == datetime(2026, 3, 4, 13, tzinfo=UTC)  # 08:00 in New York (EST)
    assert len(world.inbox("E-JUN")) == 1  # the inbox does not wait


def test_non_urgent_emails_are_held_and_sent_as_one_digest_at_the_local_morning(world):
    world.bus.handle(SavePreferences("E-LEAD", {"digest": True, "digest_hour": 8}))
    checkin = {"pairing_id": "pr-1", "program_id": "prog-1", "leader_id": "L1", "junior_id": "J1"}
    from shared.contracts.types import CheckInDue, SurveyDue

    world.feed(envelope(CheckInDue("pr-1", {**checkin, "due_on": "2026-03-03", "weeks_without": 3})))
    world.feed(
        envelope(
            SurveyDue("pr-1", {**checkin, "survey_id": "s1", "kind": "midpoint", "due_on": "2026-03-09"})
        )
    )
    assert world.deliveries(recipient="E-LEAD", channel="email") == []
    assert len(world.inbox("E-LEAD")) == 2
    digests = [
        i
        for i in world.uow.schedule.claim_due(datetime(2026, 3, 6, tzinfo=UTC), "t", 50, _lease())
        if i.kind == "digest"
    ]
    assert [(i.item_id, i.due_at) for i in digests] == [
        ("digest:E-LEAD:2026-03-05", datetime(2026, 3, 5, 7, tzinfo=UTC))  # 08:00 in Paris (CET)
    ]
    world.bus.handle(SendDigest("E-LEAD", "2026-03-05"))
    (digest,) = world.deliveries(recipient="E-LEAD", channel="email")
    assert digest.message.template == "digest" and "2 update" in digest.message.subject
    assert world.uow.digests.held("E-LEAD", "2026-03-05") == []


def _lease():
    from datetime import timedelta

    return timedelta(minutes=1)


def test_mandatory_messages_ignore_an_attempt_to_switch_them_off_and_optional_ones_obey(world):
    world.bus.handle(SavePreferences("E-LEAD", {"channels": {"pairing_updates": ["in_app"]}}))
    world.feed(envelope(PairingDeclined("pr-1", pairing("declined", by="J1", decline_reason="other"))))
    assert world.deliveries(recipient="E-LEAD", channel="email") == []
    world.feed(envelope(PairingEnded("pr-1", pairing("ended", end_kind="planned"))))
    assert [d.message.template for d in world.deliveries(recipient="E-LEAD", channel="email")] == [
        "pairing_ended"
    ]


def test_an_erasure_before_matchings_erasure_end_leaves_the_erased_person_untold_and_tells_the_other(world):
    world.feed(envelope(PairingPublished("pr-1", pairing("published"))))
    world.feed(envelope(ParticipantErased("L1", {"participant_id": "L1", "program_id": "prog-1"})))
    world.feed(envelope(PairingEnded("pr-1", pairing("ended", end_kind="erased", reason="erased"))))
    assert world.inbox("E-LEAD") == []
    assert [d for d in world.deliveries(recipient="E-LEAD") if d.message.template == "pairing_ended"] == []
    junior_items = [i["template"] for i in world.inbox("E-JUN")]
    assert sorted(junior_items) == ["pairing_ended", "pairing_published"]
    assert all("Lea Leader" not in i["text"] for i in world.inbox("E-JUN"))


def test_a_contact_replayed_after_erasure_does_not_bring_the_person_back(world):
    world.feed(envelope(ContactErased("L1", {"participant_id": "L1", "program_id": "prog-1"})))
    world.feed(*cast())  # compaction not yet run: the old records come again
    world.feed(envelope(PairingActivated("pr-1", pairing("active"))))
    assert world.inbox("E-LEAD") == []
    assert world.uow.people.contact("L1") is None and world.uow.people.participant("L1") is None


def test_erasure_removes_the_persons_preferences_inbox_held_digests_and_scheduled_items(world):
    world.bus.handle(SavePreferences("E-LEAD", {"locale": "de"}))
    world.feed(envelope(PairingPublished("pr-1", pairing("published"))))
    world.feed(envelope(ParticipantErased("L1", {"participant_id": "L1", "program_id": "prog-1"})))
    assert world.uow.preferences.get("E-LEAD") is None
    assert world.inbox("E-LEAD") == []
    assert all(i.payload.get("recipient") != "E-LEAD" for i in _all_items(world))
    assert world.uow.tombstones.erased("L1") and not world.uow.tombstones.erased("J1")
    scrubbed = world.deliveries(recipient="erased")
    assert scrubbed and all(d.message.address is None and not d.message.text for d in scrubbed)
    kept = repr([d.record() for d in world.uow.deliveries.search({}, None, 1000)])
    assert "L1" not in kept and "E-LEAD" not in kept and "Lea Leader" not in kept


def _all_items(world):
    from datetime import timedelta

    return world.uow.schedule.claim_due(datetime(2100, 1, 1, tzinfo=UTC), "scan", 10_000, timedelta(1))


class FutureThing(PublishedEvent):
    """A type a producer ahead of us publishes (not registered: no contract type is left unrouted)."""

    type = "mentoring.feedback.future_thing.v1"


def test_an_event_type_no_route_knows_is_ignored_counted_and_logged_once(world, caplog):
    before = UNKNOWN_TYPES[FutureThing.type]
    for n in range(3):
        world.bus.handle(RecordNotifications(f"f-{n}", FutureThing("pr-1", {"program_id": "prog-1"})))
    assert UNKNOWN_TYPES[FutureThing.type] == before + 3
    assert sum(FutureThing.type in r.getMessage() for r in caplog.records) == (1 if before == 0 else 0)
    assert world.deliveries() == []


def test_every_type_on_the_consumed_topics_has_a_handler():
    handled = {kind.type for kind in events.handlers(World().bus, "https://x")}
    assert handled == {t.name for t in REGISTRY.types() if t.topic in events.CONSUMED_TOPICS}


def test_what_is_published_of_a_participants_notifications_names_their_participant_id_not_employee_id(world):
    world.feed(envelope(PairingPublished("pr-1", pairing("published"))))
    outcomes = [e for e in world.uow.deliveries.pending() if e.type.startswith("mentoring.notification.")]
    assert {e.data["recipient_id"] for e in outcomes} >= {"J1", "L1"}
    for outcome in outcomes:
        published = json.dumps(outcome.to_dict())
        assert "E-JUN" not in published and "E-LEAD" not in published, published
        assert outcome.subject == outcome.data["recipient_id"]


def test_a_pairing_read_before_its_juniors_registration_tells_the_junior_once_known_and_nobody_twice():
    """A consumer catching up may read a pairing before the registration it names (another topic): the
    leader is told at once, the junior once their registration arrives, and a repeat tells nobody again
    (the chaos run lost such e-mails: 'no employee id projected')."""
    from datetime import timedelta

    from services.notifications.service.deliver import Dispatch
    from services.notifications.service.notify import AWAIT_RETRY, AWAITING_KIND, fire_awaiting
    from shared.contracts.types import ContactUpserted, ParticipantRegistered, ProgramCreated
    from tests.support.notification_people import JUNIOR, JUNIOR_CONTACT, LEADER, LEADER_CONTACT, PROGRAM

    w = World()
    w.feed(
        envelope(ProgramCreated("prog-1", PROGRAM)),
        envelope(ParticipantRegistered("L1", LEADER)),
        envelope(ContactUpserted("L1", LEADER_CONTACT)),
        envelope(PairingPublished("pr-1", pairing("published"))),
    )
    assert [d.message.template for d in w.deliveries(recipient="E-LEAD", channel="email")] == [
        "pairing_published"
    ]
    assert w.deliveries(recipient="E-JUN") == []

    def fire_due() -> int:
        items = w.uow.schedule.claim_due(w.now, "test", 100, timedelta(minutes=1))
        waiting = [item for item in items if item.kind == AWAITING_KIND]
        for item in waiting:
            fire_awaiting(item, Dispatch(w.uow, {}))
            w.uow.schedule.done(item)
        return len(waiting)

    w.now += AWAIT_RETRY
    assert fire_due() == 1  # still unknown: recorded again later
    w.feed(envelope(ParticipantRegistered("J1", JUNIOR)), envelope(ContactUpserted("J1", JUNIOR_CONTACT)))
    w.now += AWAIT_RETRY
    assert fire_due() == 1
    assert [d.message.template for d in w.deliveries(recipient="E-JUN", channel="email")] == [
        "pairing_published"
    ]
    assert [d.message.template for d in w.deliveries(recipient="E-LEAD", channel="email")] == [
        "pairing_published"
    ]
    w.now += AWAIT_RETRY
    assert fire_due() == 0  # everyone known: nothing waits any more

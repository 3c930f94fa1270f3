"""Contract of notifications' delivery log port: the Mongo log and its in-memory twin answer the same
assertions (memory in tests/unit/notifications, FerretDB in tests/integration/notifications)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.delivery import Delivery
from services.notifications.domain.message import Message, message_id_of
from shared.contracts.types import NotificationDelivered
from shared.errors import StaleWrite

START = datetime(2026, 11, 25, 10, tzinfo=UTC)


def message(cause: str, recipient: str = "L1", channel: str = "email") -> Message:
    return Message(
        message_id=message_id_of(cause, recipient, channel),
        cause_event_id=cause,
        cause_type="mentoring.pairing.published.v1",
        recipient=recipient,
        participant_id=f"p-{recipient}",
        program_id="prog-1",
        channel=channel,
        category="pairing",
        urgent=False,
        template="pairing_published",
        locale="en",
        subject="Hi",
        text="Body",
        html="<p>Body</p>",
        address=f"{recipient.lower()}@example.com",
        deliver_at=START,
    )


def planned(cause: str, recipient: str = "L1", channel: str = "email", minute: int = 0) -> Delivery:
    at = START + timedelta(minutes=minute)
    return Delivery(message(cause, recipient, channel), planned_at=at, updated_at=at, caused_at=START)


class DeliveryLogContract:
    """Subclasses provide the ``log`` fixture: an empty delivery log."""

    @pytest.fixture
    def log(self):
        raise NotImplementedError

    def test_a_delivery_is_planned_once_and_reads_back_as_it_was_written(self, log):
        delivery = planned("e1")
        assert log.plan(delivery)
        assert not log.plan(delivery)
        loaded = log.get("e1:L1:email")
        assert loaded.delivery == delivery and loaded.version == 1
        assert log.get("nope") is None

    def test_each_state_is_saved_against_the_version_read_and_a_stale_write_is_refused(self, log):
        delivery = planned("e1")
        log.plan(delivery)
        sending = delivery.sending(START)
        log.save(sending, 1)
        sent = sending.sent(START + timedelta(seconds=1))
        log.save(sent, 2, [NotificationDelivered("L1", sent.outcome())])
        with pytest.raises(StaleWrite):
            log.save(sending.retrying("late", START), 2)
        assert log.get("e1:L1:email") == (sent, 3)
        pending = log.pending()
        assert [(e.type, e.subject, e.data["attempts"]) for e in pending] == [
            (NotificationDelivered.type, "L1", 1)
        ]
        assert pending[0].source == "/services/notifications"

    def test_many_are_planned_read_and_saved_in_one_call_each_and_a_repeat_or_stale_one_is_named(self, log):
        first, second = planned("e1"), planned("e2")
        log.plan(first)
        assert log.plan_many([(first, []), (second, [])]) == {"e1:L1:email"}, "planned before"
        loaded = log.get_many(["e1:L1:email", "e2:L1:email", "nope"])
        assert {key: value.version for key, value in loaded.items()} == {"e1:L1:email": 1, "e2:L1:email": 1}
        assert loaded["e2:L1:email"].delivery == second
        log.save(first.sending(START), 1)
        sent = second.sending(START).sent(START)
        stale = log.save_many(
            [(first.sending(START), 1, []), (sent, 1, [NotificationDelivered("L1", sent.outcome())])]
        )
        assert stale == {"e1:L1:email"}
        assert log.get("e2:L1:email") == (sent, 2)
        assert [e.subject for e in log.pending()] == ["L1"]

    def test_a_search_filters_by_every_given_field_newest_first_after_a_cursor(self, log):
        for minute, cause in enumerate(("e1", "e2", "e3")):
            log.plan(planned(cause, minute=minute))
        log.plan(planned("e1", "J1", minute=5))
        log.plan(planned("e1", "L1", "chat", minute=6))
        mine = log.search({"recipient": "L1", "channel": "email"}, None, 10)
        assert [d.message.cause_event_id for d in mine] == ["e3", "e2", "e1"]
        page = log.search(
            {"recipient": "L1", "channel": "email"}, (mine[0].planned_at, mine[0].message_id), 1
        )
        assert [d.message.cause_event_id for d in page] == ["e2"]
        assert [d.message_id for d in log.search({"cause_event_id": "e1"}, None, 10)] == [
            "e1:L1:chat",
            "e1:J1:email",
            "e1:L1:email",
        ]
        assert log.search({"status": "sent"}, None, 10) == []

    def test_scrubbing_a_person_blanks_their_personal_fields_keeps_the_counts_and_drops_their_events(
        self, log
    ):
        mine, theirs = planned("e1", "L1"), planned("e1", "J1")
        log.plan(mine, [NotificationDelivered("L1", mine.outcome())])
        log.plan(theirs, [NotificationDelivered("J1", theirs.outcome())])
        assert log.scrub("p-L1") == 1
        assert log.get("e1:L1:email") is None  # the id named the person
        [scrubbed] = [
            d for d in log.search({"cause_event_id": "e1"}, None, 10) if d.message_id != "e1:J1:email"
        ]
        message = scrubbed.message
        assert (message.subject, message.text, message.html, message.address) == (None, None, None, None)
        assert (message.recipient, message.participant_id) == ("erased", None)
        assert message.channel == "email" and scrubbed.message_id.startswith("erased:")
        assert log.get("e1:J1:email").delivery.message.address == "j1@example.com"
        assert [e.subject for e in log.pending()] == ["J1"]
        assert log.scrub("p-L1") == 0  # a replayed erasure finds nothing left

    def test_scrubbing_a_whole_person_covers_every_participation_and_redacts_quotes_of_them(self, log):
        mine = planned("e1", "L1")
        other = planned("enrolment:p-L9", "L1")
        other = replace(
            other, message=replace(other.message, participant_id="p-L9"), error="550 l1@example.com"
        )
        theirs = planned("e1", "J1")
        quoting = {"subject": "Paired with Lea & Co", "text": "Lea & Co, l1@example.com"}
        theirs = replace(theirs, message=replace(theirs.message, html="<p>Lea &amp; Co</p>", **quoting))
        for delivery in (mine, other, theirs):
            log.plan(delivery)
        assert log.scrub("p-L1", "L1", ["Lea & Co", "l1@example.com"], "[erased]") == 2
        kept = log.search({}, None, 10)
        assert len(kept) == 3 and sorted(d.message.recipient for d in kept) == ["J1", "erased", "erased"]
        text = repr([d.record() for d in kept])
        assert "L1" not in text and "Lea" not in text and "l1@example.com" not in text
        partner = log.get("e1:J1:email").delivery.message
        assert partner.subject == "Paired with [erased]" and partner.text == "[erased], [erased]"
        assert partner.html == "<p>[erased]</p>"
        assert {d.status for d in kept} == {"planned"}  # counts by channel and status survive

"""Contract of notifications' delivery log port: the Mongo log and its in-memory twin answer the same
assertions (memory in tests/unit/notifications, FerretDB in tests/integration/notifications)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.pairing_notices import Notification
from shared.contracts.types import NotificationDelivered

START = datetime(2026, 11, 25, 10, tzinfo=UTC)


def notification(cause: str, recipient: str = "L1") -> Notification:
    return Notification(
        f"{cause}:{recipient}:in_app", recipient, "in_app", "pairing_published", "Hi", "Body", cause
    )


def outcome(item: Notification) -> NotificationDelivered:
    return NotificationDelivered(item.recipient_id, item.outcome())


class DeliveryLogContract:
    """Subclasses provide the ``log`` fixture: an empty delivery log."""

    @pytest.fixture
    def log(self):
        raise NotImplementedError

    def test_a_delivery_is_stored_once_with_its_outcome_event_pending(self, log):
        item = notification("e1")
        assert log.add(item, START, [outcome(item)])
        assert not log.add(item, START, [outcome(item)])
        items, total = log.for_recipient("L1", 0, 10)
        assert total == 1
        assert items[0]["notification_id"] == "e1:L1:in_app"
        assert items[0]["status"] == "delivered" and items[0]["body"] == "Body"
        assert not {"_id", "_version", "outbox", "outbox_pending"} & set(items[0])
        pending = log.pending()
        assert [(e.type, e.subject, e.data["notification_id"]) for e in pending] == [
            (NotificationDelivered.type, "L1", "e1:L1:in_app")
        ]
        assert pending[0].source == "/services/notifications"

    def test_a_recipients_page_is_newest_first_and_counts_every_delivery(self, log):
        for minute, cause in enumerate(("e1", "e2", "e3")):
            log.add(notification(cause), START + timedelta(minutes=minute), [])
        log.add(notification("e1", "J1"), START, [])
        items, total = log.for_recipient("L1", 1, 1)
        assert total == 3
        assert [i["cause_event_id"] for i in items] == ["e2"]
        assert log.for_recipient("nobody", 0, 10) == ([], 0)

    def test_forgetting_a_recipient_deletes_their_deliveries_and_unrelayed_outcomes_only(self, log):
        mine, theirs = notification("e1", "L1"), notification("e1", "J1")
        log.add(mine, START, [outcome(mine)])
        log.add(theirs, START, [outcome(theirs)])
        assert log.forget_recipient("L1") == 1
        assert log.for_recipient("L1", 0, 10) == ([], 0)
        assert log.for_recipient("J1", 0, 10)[1] == 1
        assert [e.subject for e in log.pending()] == ["J1"]

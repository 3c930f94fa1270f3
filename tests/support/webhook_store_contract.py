"""Contract of the webhook store port: the Mongo store and its in-memory twin answer the same assertions
(memory in tests/unit/notifications, FerretDB in tests/integration/notifications)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.store.webhooks import attempt_key
from shared.contracts.types import NotificationDelivered
from shared.errors import StaleWrite

START = datetime(2026, 11, 25, 10, tzinfo=UTC)


def endpoint(endpoint_id: str, program_id: str | None = "PRG1", types=("mentoring.pairing.published.v1",)):
    return {
        "endpoint_id": endpoint_id,
        "url": "https://hooks.example.com/in",
        "event_types": list(types),
        "description": "",
        "program_id": program_id,
        "created_by": "A1",
        "created_at": START,
        "secrets": [{"value": "whsec_c2VjcmV0", "created_at": START, "expires_at": None}],
        "disabled": False,
        "disabled_reason": None,
        "disabled_at": None,
        "failing_since": None,
    }


def message(msg_id: str, at: datetime, endpoint_id: str = "we_1", people=("L1", "J1")):
    return {
        "msg_id": msg_id,
        "endpoint_id": endpoint_id,
        "event_id": f"ev-{msg_id}",
        "event_type": "mentoring.pairing.published.v1",
        "program_id": "PRG1",
        "participant_ids": list(people),
        "body": "{}",
        "created_at": at,
        "status": "pending",
        "series": 0,
        "attempts": 0,
    }


def outcome(msg_id: str) -> NotificationDelivered:
    return NotificationDelivered(
        msg_id,
        {
            "notification_id": msg_id,
            "recipient_id": "we_1",
            "channel": "webhook",
            "template": "mentoring.pairing.published.v1",
            "cause_event_id": f"ev-{msg_id}",
        },
    )


class WebhookStoreContract:
    """Subclasses provide the ``store`` fixture: an empty webhook store."""

    @pytest.fixture
    def store(self):
        raise NotImplementedError

    def test_an_endpoint_is_stored_once_and_saved_only_from_its_current_version(self, store):
        assert store.add_endpoint("we_1", endpoint("we_1"))
        assert not store.add_endpoint("we_1", endpoint("we_1"))
        loaded = store.endpoint("we_1")
        assert loaded.record["url"] == "https://hooks.example.com/in" and loaded.version == 1
        store.save_endpoint("we_1", {**loaded.record, "disabled": True}, loaded.version)
        with pytest.raises(StaleWrite):
            store.save_endpoint("we_1", loaded.record, loaded.version)
        assert store.endpoint("we_1").record["disabled"] is True

    def test_subscribers_are_the_enabled_endpoints_of_a_type(self, store):
        store.add_endpoint("we_1", endpoint("we_1"))
        store.add_endpoint("we_2", endpoint("we_2", types=("mentoring.pairing.ended.v1",)))
        store.add_endpoint("we_3", {**endpoint("we_3"), "disabled": True})
        assert [r["endpoint_id"] for r in store.subscribers("mentoring.pairing.published.v1")] == ["we_1"]

    def test_endpoints_are_listed_all_or_by_program_and_deleted(self, store):
        store.add_endpoint("we_1", endpoint("we_1"))
        store.add_endpoint("we_2", {**endpoint("we_2", program_id=None), "created_at": START + timedelta(1)})
        assert [r["endpoint_id"] for r in store.endpoints()] == ["we_1", "we_2"]
        assert [r["endpoint_id"] for r in store.endpoints(["PRG1"])] == ["we_1"]
        assert store.delete_endpoint("we_1") and not store.delete_endpoint("we_1")
        assert store.endpoint("we_1") is None

    def test_a_message_is_planned_once_and_its_outcome_event_waits_in_its_outbox(self, store):
        assert store.add_message("m1", message("m1", START))
        assert not store.add_message("m1", message("m1", START))
        loaded = store.message("m1")
        store.save_message("m1", {**loaded.record, "status": "delivered"}, loaded.version, [outcome("m1")])
        assert store.message("m1").record["status"] == "delivered"
        [event] = store.pending()
        assert event.type == NotificationDelivered.type and event.data["notification_id"] == "m1"

    def test_messages_are_listed_newest_first_within_a_window(self, store):
        for n in range(4):
            store.add_message(f"m{n}", message(f"m{n}", START + timedelta(minutes=n)))
        store.add_message("other", message("other", START, endpoint_id="we_2"))
        items, total = store.messages("we_1")
        assert total == 4 and [m["msg_id"] for m in items] == ["m3", "m2", "m1", "m0"]
        window, count = store.messages("we_1", START + timedelta(minutes=1), START + timedelta(minutes=3))
        assert count == 2 and [m["msg_id"] for m in window] == ["m2", "m1"]
        page, _ = store.messages("we_1", skip=1, limit=2)
        assert [m["msg_id"] for m in page] == ["m2", "m1"]

    def test_attempts_are_kept_per_message_in_order_and_a_repeated_attempt_overwrites(self, store):
        store.record_attempt(attempt_key("m1", 0, 1), {"attempt": 1, "outcome": "retry"})
        store.record_attempt(attempt_key("m1", 0, 0), {"attempt": 0, "outcome": "sending"})
        store.record_attempt(attempt_key("m1", 0, 0), {"attempt": 0, "outcome": "retry"})
        store.record_attempt(attempt_key("m1", 1, 0), {"attempt": 0, "outcome": "delivered"})
        store.record_attempt(attempt_key("m10", 0, 0), {"attempt": 0, "outcome": "delivered"})
        assert [a["outcome"] for a in store.attempts("m1")] == ["retry", "retry", "delivered"]
        assert len(store.attempts("m10")) == 1

    def test_erasure_finds_the_messages_naming_a_participant(self, store):
        store.add_message("m1", message("m1", START))
        store.add_message("m2", message("m2", START, people=("L2",)))
        assert store.messages_naming("J1") == ["m1"]
        assert store.messages_naming("nobody") == []

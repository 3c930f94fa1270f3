"""Contract of the scheduled-work port (shared/schedule.py): the Mongo store and its in-memory twin answer
the same assertions (FerretDB in tests/integration, memory in tests/unit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.schedule import due_item

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


class ScheduledWorkContract:
    """Subclasses provide the ``work`` fixture: an empty scheduled-work store."""

    @pytest.fixture
    def work(self):
        raise NotImplementedError

    def test_only_items_due_by_now_are_claimed(self, work):
        work.schedule("early", "reminder", NOW - timedelta(minutes=1), {"to": "a"})
        work.schedule("late", "reminder", NOW + timedelta(minutes=1), {"to": "b"})
        claimed = work.claim_due(NOW, "poller-1", 10, LEASE)
        assert [(item.item_id, item.payload, item.owner) for item in claimed] == [
            ("early", {"to": "a"}, "poller-1")
        ]

    def test_scheduling_the_same_item_for_the_same_time_twice_stores_it_once(self, work):
        assert work.schedule("x", "reminder", NOW, {})
        assert not work.schedule("x", "reminder", NOW, {})
        assert work.count() == 1

    def test_a_claimed_item_is_not_claimed_again_while_its_lease_runs(self, work):
        work.schedule("x", "reminder", NOW, {})
        assert len(work.claim_due(NOW, "poller-1", 10, LEASE)) == 1
        assert work.claim_due(NOW + timedelta(seconds=5), "poller-2", 10, LEASE) == []

    def test_an_item_whose_poller_died_is_claimed_again_after_its_lease(self, work):
        work.schedule("x", "reminder", NOW, {})
        first = work.claim_due(NOW, "poller-1", 10, LEASE)[0]
        again = work.claim_due(NOW + LEASE + timedelta(seconds=1), "poller-2", 10, LEASE)
        assert [item.item_id for item in again] == ["x"]
        assert not work.done(first), "the first poller lost the item when its lease ran out"
        assert work.done(again[0])
        assert work.count() == 0

    def test_done_removes_the_item_for_good(self, work):
        work.schedule("x", "reminder", NOW, {})
        item = work.claim_due(NOW, "poller-1", 10, LEASE)[0]
        assert work.done(item)
        assert work.claim_due(NOW + timedelta(days=1), "poller-1", 10, LEASE) == []

    def test_a_retry_is_the_next_attempt_at_its_new_time(self, work):
        work.schedule("x", "webhook", NOW, {"n": 1})
        item = work.claim_due(NOW, "poller-1", 10, LEASE)[0]
        nxt = work.retry(item, NOW + timedelta(minutes=5), {"n": 2})
        assert (nxt.attempt, nxt.payload) == (1, {"n": 2})
        assert work.claim_due(NOW + timedelta(minutes=4), "poller-1", 10, LEASE) == []
        later = work.claim_due(NOW + timedelta(minutes=5), "poller-1", 10, LEASE)
        assert [(i.item_id, i.attempt) for i in later] == [("x", 1)]
        assert work.count() == 1

    def test_claims_stop_at_the_limit(self, work):
        for n in range(5):
            work.schedule(f"i{n}", "reminder", NOW - timedelta(seconds=n), {})
        assert len(work.claim_due(NOW, "poller-1", 3, LEASE)) == 3
        assert len(work.claim_due(NOW, "poller-2", 3, LEASE)) == 2

    def test_cancel_removes_a_persons_items_only(self, work):
        work.schedule("a1", "reminder", NOW, {"recipient": "p-a"})
        work.schedule("a2", "digest", NOW + timedelta(days=1), {"recipient": "p-a"})
        work.schedule("b1", "reminder", NOW, {"recipient": "p-b"})
        assert work.cancel("recipient", "p-a") == 2
        assert [i.item_id for i in work.claim_due(NOW + timedelta(days=2), "p", 10, LEASE)] == ["b1"]

    def test_scheduling_many_stores_each_new_item_once_in_one_call(self, work):
        work.schedule("old", "reminder", NOW, {})
        items = [due_item("old", "reminder", NOW, {}), due_item("new", "reminder", NOW, {"n": 1})]
        stored = work.schedule_many(items)
        assert [(i.item_id, i.payload, i.owner) for i in stored] == [("new", {"n": 1}, None)]
        assert work.count() == 2

    def test_items_scheduled_as_claimed_are_left_alone_until_their_lease_runs_out(self, work):
        stored = work.schedule_many([due_item("x", "delivery", NOW, {})], "sender-1", NOW + LEASE)
        assert [i.owner for i in stored] == ["sender-1"]
        assert work.claim_due(NOW + timedelta(seconds=5), "poller-2", 10, LEASE) == []
        again = work.claim_due(NOW + LEASE + timedelta(seconds=1), "poller-2", 10, LEASE)
        assert [i.item_id for i in again] == ["x"], "the sender died: the item is claimed again"
        assert work.done_many(stored) == 0, "the first owner lost the item when its lease ran out"

    def test_done_many_removes_the_claimed_items_in_one_call(self, work):
        for n in range(3):
            work.schedule(f"i{n}", "reminder", NOW, {})
        claimed = work.claim_due(NOW, "poller-1", 10, LEASE)
        assert work.done_many(claimed[:2]) == 2
        assert work.count() == 1

"""Projections on a real Mongo-wire server: newer events win, older or repeated ones change nothing."""

from __future__ import annotations

from shared.events.envelope import make_event
from shared.mongo import database_for
from shared.projection import tombstone, upsert_if_newer


def _event(minute: int, **data):
    from datetime import UTC, datetime

    return make_event(
        "mentoring.orgchart.employee_upserted.v1",
        "/tests",
        "E1",
        data,
        time=datetime(2026, 11, 25, 10, minute, tzinfo=UTC),
    )


def test_out_of_order_and_repeated_events_leave_the_newest_state(settings_for):
    collection = database_for(settings_for("matching"))["orgchart"]
    newer, older = _event(5, manager_id="M2"), _event(1, manager_id="M1")
    assert upsert_if_newer(collection, "E1", {"manager_id": "M2"}, newer)
    assert not upsert_if_newer(collection, "E1", {"manager_id": "M1"}, older)
    assert upsert_if_newer(collection, "E1", {"manager_id": "M2"}, newer)  # redelivery: same state again
    assert collection.find_one({"_id": "E1"})["manager_id"] == "M2"
    assert collection.count_documents({}) == 1


def test_a_tombstone_is_never_revived_by_a_replayed_event(settings_for):
    collection = database_for(settings_for("matching"))["orgchart"]
    upsert_if_newer(collection, "E1", {"manager_id": "M1"}, _event(1))
    tombstone(collection, "E1", {"status": "erased"}, _event(2))
    assert not upsert_if_newer(collection, "E1", {"manager_id": "M9"}, _event(9))
    document = collection.find_one({"_id": "E1"})
    assert document["status"] == "erased" and "manager_id" not in document

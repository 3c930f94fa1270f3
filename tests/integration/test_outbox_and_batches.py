"""The chassis' batching keeps its guarantees: the relay acknowledges a polled batch in one bulk write yet
never drops an event added meanwhile; a batch handler takes a polled run in order, once, and a failing run
is handled again event by event, dead-lettering only the bad one."""

from __future__ import annotations

import json

import pytest

from shared.contracts import ORGCHART, dlq_topic
from shared.contracts.types import OrgChartEmployeeUpserted
from shared.events.consumer import BatchHandler, EventConsumer, PermanentError
from shared.events.outbox import (
    OUTBOX_FIELD,
    PENDING_FLAG,
    OutboxRelay,
    new_document_with_outbox,
    outbox_entries,
)
from shared.events.producer import EventPublisher
from shared.mongo import PROCESSED_EVENTS
from tests.support.harness import read_topic, topics_ready

pytestmark = pytest.mark.integration


def line(employee: str, manager: str):
    return OrgChartEmployeeUpserted(employee, {"employee_id": employee, "manager_id": manager}).envelope(
        "/tests"
    )


class PublisherWithWriterBetween(EventPublisher):
    """A real publisher; once its first batch is acknowledged, another writer changes two outboxes."""

    def __init__(self, settings, write) -> None:
        super().__init__(settings)
        self.write = write

    def publish_all(self, items, timeout_s: float = 30.0) -> None:
        super().publish_all(items, timeout_s)
        write, self.write = self.write, lambda: None
        write()


def test_the_relay_acknowledges_a_batch_at_once_and_keeps_events_added_while_it_published(
    settings_for, fresh_database
):
    settings = settings_for("matching")
    topics_ready(settings)
    things = fresh_database("matching")["things"]
    first = {key: [line(key, "M1"), line(key, "M2")] for key in ("A", "B", "C")}
    things.insert_many([new_document_with_outbox({"_id": key}, events) for key, events in first.items()])
    added, replacement = line("B", "M3"), line("C", "M9")

    def another_writer() -> None:
        things.update_one({"_id": "B"}, {"$push": {OUTBOX_FIELD: {"$each": outbox_entries([added])}}})
        things.update_one({"_id": "C"}, {"$set": {OUTBOX_FIELD: outbox_entries([replacement])}})  # an erasure

    publisher = PublisherWithWriterBetween(settings, another_writer)
    try:
        relay = OutboxRelay("matching", [things], publisher)
        assert relay.relay_once() == 6
        state = {
            d["_id"]: ([e["event"]["id"] for e in d[OUTBOX_FIELD]], d[PENDING_FLAG]) for d in things.find()
        }
        assert state == {"A": ([], False), "B": ([added.id], True), "C": ([replacement.id], True)}
        assert relay.relay_once() == 2
        assert all(d[OUTBOX_FIELD] == [] and not d[PENDING_FLAG] for d in things.find())
        assert relay.relay_once() == 0
    finally:
        publisher.close()
    records = read_topic(settings, settings.topic(ORGCHART), expected=8)
    managers = [(r.key.decode(), json.loads(r.value)["data"]["manager_id"]) for r in records]
    assert [m for k, m in managers if k == "B"] == ["M1", "M2", "M3"]  # each aggregate's order kept


def _consumer(settings, db, handle_many):
    publisher = EventPublisher(settings)
    handlers = {OrgChartEmployeeUpserted: BatchHandler(handle_many)}
    return EventConsumer(settings, "matching", [ORGCHART], handlers, db, publisher), publisher


def _records(settings, events):
    publisher = EventPublisher(settings)
    try:
        publisher.publish_all([(ORGCHART, event) for event in events])
    finally:
        publisher.close()
    return read_topic(settings, settings.topic(ORGCHART), expected=len(events))


def test_a_batch_handler_gets_a_polled_run_in_order_once_and_its_ids_are_recorded_together(
    settings_for, fresh_database
):
    settings = settings_for("matching")
    topics_ready(settings)
    db = fresh_database("matching")
    e1, e2, e3 = line("E1", "M1"), line("E2", "M1"), line("E1", "M2")
    records = _records(settings, [e1, e2, e1, e3])  # e1 redelivered within the same poll
    calls: list[list[str]] = []
    consumer, publisher = _consumer(settings, db, lambda events: calls.append([e.id for e in events]))
    try:
        consumer.process_batch(records)
        assert calls == [[e1.id, e2.id, e3.id]]
        assert {d["_id"] for d in db[PROCESSED_EVENTS].find()} == {f"matching:{e.id}" for e in (e1, e2, e3)}
        consumer.process_batch(records)  # the whole poll redelivered: nothing is handled again
        assert calls == [[e1.id, e2.id, e3.id]]
    finally:
        consumer.close()
        publisher.close()


def test_a_failing_batch_is_handled_again_one_by_one_and_only_the_bad_event_is_dead_lettered(
    settings_for, fresh_database
):
    settings = settings_for("matching")
    topics_ready(settings)
    db = fresh_database("matching")
    good, bad, later = line("E1", "M1"), line("E2", "M0"), line("E1", "M2")
    records = _records(settings, [good, bad, later])
    calls: list[list[str]] = []

    def handle_many(events) -> None:
        calls.append([e.id for e in events])
        if any(e.data["manager_id"] == "M0" for e in events):
            raise PermanentError("M0 is nobody's manager")

    consumer, publisher = _consumer(settings, db, handle_many)
    try:
        consumer.process_batch(records)
    finally:
        consumer.close()
        publisher.close()
    assert calls == [[good.id, bad.id, later.id], [good.id], [bad.id], [later.id]]
    assert {d["_id"] for d in db[PROCESSED_EVENTS].find()} == {f"matching:{good.id}", f"matching:{later.id}"}
    dead = read_topic(settings, dlq_topic(settings.topic(ORGCHART), "matching"), expected=1)
    assert [json.loads(r.value)["id"] for r in dead] == [bad.id]

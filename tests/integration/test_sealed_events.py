"""A consumer and sealed events on the real servers: an event sealed with a live key is handled as its plain
v1 form; one whose key was destroyed (the person erased) is counted as shredded, recorded as processed and
never handled or dead-lettered; a tampered block is dead-lettered; the key owner down stops the batch
without losing or dead-lettering anything."""

from __future__ import annotations

import json

import pytest

from services.intake.store import MemoryDataKeys
from shared.contracts import PARTICIPANTS, dlq_topic
from shared.contracts.sealed import SEALED_FORMS
from shared.contracts.types import ParticipantRegistered
from shared.events.consumer import EventConsumer, InfrastructureDown
from shared.events.producer import EventPublisher
from shared.metrics import EVENTS_CONSUMED
from shared.mongo import PROCESSED_EVENTS
from shared.sealing import EventOpener, EventSealer, KeySourceDown
from tests.support.harness import read_topic, topics_ready

pytestmark = pytest.mark.integration


def registered(participant_id: str):
    data = {
        "participant_id": participant_id,
        "program_id": "prog-1",
        "employee_id": f"E-{participant_id}",
        "role": "junior",
        "level": 2,
        "timezone": "Europe/Lisbon",
        "languages": ["pt"],
        "consent": {"matching": True, "data_processing": True},
        "status": "enrolled",
    }
    return ParticipantRegistered(participant_id, data).envelope("/services/intake")


class Down:
    def existing(self, key_ids):
        raise KeySourceDown("intake answered 503")


def _published(settings, events) -> list:
    publisher = EventPublisher(settings)
    try:
        publisher.publish_all([(PARTICIPANTS, event) for event in events])
    finally:
        publisher.close()
    return read_topic(settings, settings.topic(PARTICIPANTS), expected=len(events))


def test_live_keys_open_destroyed_keys_shred_and_tampered_blocks_are_dead_lettered(
    settings_for, fresh_database
):
    settings = settings_for("matching")
    topics_ready(settings)
    db = fresh_database("matching")
    keys = MemoryDataKeys()
    live, erased, tampered = EventSealer(keys, SEALED_FORMS).seal_all(
        [registered("p-live"), registered("p-erased"), registered("p-tampered")]
    )
    block = tampered.data["sealed"]
    bad = "A" if block["ciphertext"][0] != "A" else "B"
    tampered = type(tampered)(
        **{
            **tampered.__dict__,
            "data": {**tampered.data, "sealed": {**block, "ciphertext": bad + block["ciphertext"][1:]}},
        }
    )
    records = _published(settings, [live, erased, tampered])
    assert all(b"E-p-" not in r.value for r in records)  # on the wire, sealed
    keys.destroy("p-erased")
    handled: list[dict] = []
    publisher = EventPublisher(settings)
    shredded = EVENTS_CONSUMED.labels(
        settings.service_name, settings.topic(PARTICIPANTS), live.type, "shredded"
    )
    before = shredded._value.get()

    def consumer(source) -> EventConsumer:
        handlers = {ParticipantRegistered: lambda event: handled.append(event.data)}
        opener = EventOpener(source, SEALED_FORMS)
        return EventConsumer(settings, "matching", [PARTICIPANTS], handlers, db, publisher, opener=opener)

    try:
        down = consumer(Down())
        with pytest.raises(InfrastructureDown):
            down.process_batch(records)
        assert handled == [] and db[PROCESSED_EVENTS].count_documents({}) == 0  # tried again later
        down.close()

        working = consumer(keys)
        working.process_batch(records)
        working.close()
    finally:
        publisher.close()
    assert [(d["participant_id"], d["employee_id"]) for d in handled] == [("p-live", "E-p-live")]
    processed = {d["_id"] for d in db[PROCESSED_EVENTS].find()}
    assert processed == {f"matching:{live.id}", f"matching:{erased.id}"}
    assert shredded._value.get() == before + 1
    dead = read_topic(settings, dlq_topic(settings.topic(PARTICIPANTS), "matching"), expected=1)
    assert [json.loads(r.value)["id"] for r in dead] == [tampered.id]
    reason = dict(dead[0].headers)["dlq_reason"].decode()
    assert reason.startswith("sealed payload cannot be opened"), reason

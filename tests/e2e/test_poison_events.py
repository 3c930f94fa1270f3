"""Poison on every topic a worker consumes: each bad message reaches that group's dead-letter topic with
its reason, the worker goes on to handle the good event behind it, and ``events_dead_lettered_total`` counts
every one.

The five kinds: bytes that are not JSON, a CloudEvent of another ``specversion``, a type nobody registered,
a payload its schema refuses, and a message as large as the broker takes (about 1 MiB, dead-lettered by
reference: it leaves no room for the dead-letter headers). Each topic gets them keyed like a real event of
that topic (so all land on one partition, in order), then a copy of that real event with a fresh id (a
sealed one keeps its id: it is read and dropped as a duplicate, or as shredded once its person is erased);
on the programs topic the copy announces a new program, which matching must then show.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest
import requests
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from deploy.local.demo import ADMIN
from shared.auth import dev_token
from shared.contracts import CONSUMER_GROUPS, PROGRAMS, dlq_topic
from tests.support.harness import wait_for
from tests.support.program_story import program_story

BROKER_MAX_BYTES = 1_048_588  # Kafka's default message.max.bytes: a record batch up to 1 MiB + 12
POISON_HEADER = "poison_kind"
# kind -> what the dead letter's reason must say
REASONS = {
    "not_json": "invalid envelope: not JSON",
    "specversion": "invalid envelope: unsupported specversion '0.3'",
    "unknown_type": "unknown event type 'mentoring.nothing.happened.v1'",
    "schema": "payload does not match its schema",
    "one_megabyte": "payload does not match its schema",
}
# what a consumer did with an event it read and did not dead-letter
HANDLED = ("processed", "ignored", "duplicate", "shredded")
CONSUMED_ON = sorted({topic for topics in CONSUMER_GROUPS.values() for topic in topics})


def _poisons(real: dict) -> dict[str, bytes]:
    def envelope(**changes) -> bytes:
        return json.dumps({**real, "id": str(uuid.uuid4()), **changes}).encode()

    huge = envelope(data={**real["data"], "padding": ""})
    padding = BROKER_MAX_BYTES - 400 - len(huge)  # room for the key, our header and the batch's framing
    return {
        "not_json": b'{"specversion": "1.0", "id": ',
        "specversion": envelope(specversion="0.3"),
        "unknown_type": envelope(type="mentoring.nothing.happened.v1"),
        "schema": envelope(data={**real["data"], "unexpected": True}),
        "one_megabyte": envelope(data={**real["data"], "padding": "x" * padding}),
    }


def _real_event(settings, topic: str) -> tuple[bytes, dict]:
    """The first event on a topic (the program story put one on each): its key and envelope."""
    consumer = KafkaConsumer(
        settings.topic(topic),
        **settings.kafka_client_options,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=15000,
    )
    try:
        for record in consumer:
            return record.key, json.loads(record.value)
    finally:
        consumer.close()
    raise AssertionError(f"no event on {topic}")


def _worker_counts(system, service: str) -> Counter:
    counts: Counter = Counter()
    text = requests.get(f"{system.worker_url(service)}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "events_dead_lettered_total":
                counts["dead_lettered", sample.labels["topic"]] += sample.value
            if sample.name == "events_consumed_total" and sample.labels["outcome"] in HANDLED:
                counts["handled", sample.labels["topic"]] += sample.value
    return counts


def _dead_letters(settings, topic: str, group: str, run: str, expected: int) -> dict[str, dict[str, str]]:
    """This run's poison in ``group``'s dead-letter topic of ``topic``: headers by poison kind."""
    consumer = KafkaConsumer(
        dlq_topic(settings.topic(topic), group),
        **settings.kafka_client_options,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        max_partition_fetch_bytes=2 * BROKER_MAX_BYTES,
    )
    found: dict[str, dict[str, str]] = {}

    def arrived() -> bool:
        for batch in consumer.poll(timeout_ms=500).values():
            for record in batch:
                headers = {k: v.decode() for k, v in record.headers or []}
                if headers.get("poison_run") == run:
                    found[headers[POISON_HEADER]] = headers
        return len(found) >= expected

    try:
        wait_for(arrived, timeout_s=60, interval_s=0)
    except AssertionError:
        raise AssertionError(f"{group} dead-lettered only {sorted(found)} of {topic}'s poison") from None
    finally:
        consumer.close()
    return found


def _committed_past(settings, group: str, partition: TopicPartition, offset: int) -> bool:
    admin = KafkaAdminClient(**settings.kafka_client_options)
    try:
        name = f"{settings.topic_prefix}{group}"
        committed = admin.list_group_offsets({name: [partition]})[name]
    finally:
        admin.close()
    position = committed.get(partition)
    return position is not None and position.offset > offset


@pytest.fixture(scope="module")
def story(running_system):
    return program_story(running_system.revive())


@pytest.mark.parametrize("topic", CONSUMED_ON)
def test_poison_is_dead_lettered_with_its_reason_and_the_consumer_goes_on(system, story, topic):
    settings = system.settings["intake"]
    groups = [group for group, topics in CONSUMER_GROUPS.items() if topic in topics]
    key, real = _real_event(settings, topic)
    # a sealed event's block is bound to its id: its copy keeps the id and is dropped as a duplicate
    good = real if "sealed" in real["data"] else {**real, "id": str(uuid.uuid4())}
    new_program = None
    if topic == PROGRAMS:  # a program nobody has seen: matching showing it proves the good event was handled
        new_program = str(uuid.uuid4())
        good = {**good, "subject": new_program, "data": {**good["data"], "program_id": new_program}}
        key = new_program.encode()
    before = {group: _worker_counts(system, group) for group in groups}
    run = uuid.uuid4().hex
    producer = KafkaProducer(
        **settings.kafka_client_options, max_request_size=2 * BROKER_MAX_BYTES, acks="all"
    )
    try:
        for kind, value in _poisons(real).items():
            headers = [(POISON_HEADER, kind.encode()), ("poison_run", run.encode())]
            producer.send(settings.topic(topic), value=value, key=key, headers=headers).get(timeout=30)
        sent = producer.send(settings.topic(topic), value=json.dumps(good).encode(), key=key).get(timeout=30)
    finally:
        producer.close()
    partition = TopicPartition(sent.topic, sent.partition)

    for group in groups:
        letters = _dead_letters(settings, topic, group, run, expected=len(REASONS))
        for kind, reason in REASONS.items():
            assert reason in letters[kind]["dlq_reason"], (group, kind, letters[kind]["dlq_reason"])
            assert letters[kind]["dlq_group"] == group
            assert letters[kind]["dlq_topic"] == settings.topic(topic)
        assert letters["one_megabyte"]["dlq_value_omitted"].endswith("bytes, too large to copy")
        wait_for(lambda g=group: _committed_past(settings, g, partition, sent.offset), timeout_s=30)
        after = _worker_counts(system, group)
        dead = ("dead_lettered", settings.topic(topic))
        assert after[dead] - before[group][dead] == len(REASONS), group
        handled = ("handled", settings.topic(topic))
        assert after[handled] > before[group][handled], f"{group} handled nothing after the poison"
    if new_program is not None:
        token = dev_token(system.settings["matching"], ADMIN, ["admin"])
        url = f"{system.api_url('matching')}/v1/programs/{new_program}"
        headers = {"Authorization": f"Bearer {token}"}
        wait_for(lambda: requests.get(url, headers=headers, timeout=5).status_code == 200, timeout_s=30)

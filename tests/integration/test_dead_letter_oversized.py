"""A record as large as its topic takes is dead-lettered by reference and the consumer goes on.

Its copy plus the dead-letter headers would exceed the topic's size limit: the group was stuck, retrying
the dead letter forever as if Kafka were down."""

from __future__ import annotations

import json

from kafka import KafkaAdminClient, KafkaProducer, TopicPartition

from services.matching.worker import build_worker as matching_worker
from shared.contracts import ORGCHART, dlq_topic
from tests.support.harness import read_topic, running, topics_ready, wait_for

BROKER_MAX_BYTES = 1_048_588  # Kafka's default message.max.bytes: a record batch of up to 1 MiB + 12


def _upserted(employee_id: str, **data: object) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"evt-{employee_id}-{len(data)}",
            "source": "/tests",
            "type": "mentoring.orgchart.employee_upserted.v1",
            "subject": employee_id,
            "time": "2026-11-25T10:00:00Z",
            "data": {"employee_id": employee_id, "manager_id": None, **data},
        }
    ).encode()


def test_a_record_too_large_to_copy_is_dead_lettered_by_reference_and_the_consumer_goes_on(settings_for):
    settings = settings_for("matching")
    topics_ready(settings)
    topic = settings.topic(ORGCHART)
    huge = _upserted("E1", padding="")
    huge = _upserted("E1", padding="x" * (BROKER_MAX_BYTES - 300 - len(huge)))
    producer = KafkaProducer(**settings.kafka_client_options, max_request_size=2 * BROKER_MAX_BYTES)
    producer.send(topic, key=b"E1", value=huge, partition=0).get(timeout=30)
    producer.send(topic, key=b"E1", value=_upserted("E1"), partition=0).get(timeout=30)
    producer.close()

    with running(matching_worker(settings), settings):
        wait_for(lambda: read_topic(settings, dlq_topic(topic, "matching"), expected=1, timeout_s=1), 60)
        # the group commits past both: the valid record after the huge one is handled, not dead-lettered
        committed = wait_for(lambda: _committed(settings, topic), 60)

    dead = read_topic(settings, dlq_topic(topic, "matching"), expected=1)
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert len(dead) == 1 and dead[0].value == b"" and dead[0].key == b"E1"
    assert headers["dlq_value_omitted"] == f"{len(huge)} bytes, too large to copy"
    assert (
        headers["dlq_reason"].startswith("payload does not match its schema")
        and "padding" in headers["dlq_reason"]
    )
    assert (headers["dlq_topic"], headers["dlq_partition"], headers["dlq_offset"]) == (topic, "0", "0")
    assert committed == 2


def _committed(settings, topic: str) -> int | None:
    """The group's committed offset on partition 0 once it is past both records, else None."""
    admin = KafkaAdminClient(**settings.kafka_client_options)
    try:
        group = f"{settings.topic_prefix}matching"
        offsets = admin.list_group_offsets({group: [TopicPartition(topic, 0)]})[group]
    finally:
        admin.close()
    position = offsets.get(TopicPartition(topic, 0))
    return position.offset if position is not None and position.offset == 2 else None

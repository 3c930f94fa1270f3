"""Another team's consumer of the platform's public topics, in a thread of the test: a consumer group of its
own (only kafka-python and json, as ``docs/guide/subscriber.md`` tells other teams), every record decoded
as a structured CloudEvent and kept with its topic and key, duplicates included."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer


@dataclass(frozen=True)
class Received:
    topic: str
    key: str | None
    event: dict[str, Any]

    @property
    def type(self) -> str:
        return self.event.get("type", "")

    @property
    def data(self) -> dict[str, Any]:
        return self.event.get("data") or {}


class OutsideSubscriber:
    def __init__(self, bootstrap: str, topics: list[str], group: str) -> None:
        self.consumer = KafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap.split(","),
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.topics = set(topics)
        self.assigned = threading.Event()  # every topic has partitions of this group's member
        self.received: list[Received] = []
        self.undecodable: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.is_set():
            batch = self.consumer.poll(timeout_ms=300)
            if {partition.topic for partition in self.consumer.assignment()} >= self.topics:
                self.assigned.set()
            for records in batch.values():
                for record in records:
                    try:
                        event = json.loads(record.value)
                    except (TypeError, ValueError):
                        self.undecodable.append(record.value)
                        continue
                    key = record.key.decode() if record.key else None
                    with self._lock:
                        self.received.append(Received(record.topic, key, event))
            if batch:
                self.consumer.commit()

    def events(self, program_id: str, type_prefix: str = "mentoring.") -> list[Received]:
        """The events about ``program_id`` whose type starts with ``type_prefix``, in arrival order."""
        with self._lock:
            return [
                r
                for r in self.received
                if r.type.startswith(type_prefix) and r.data.get("program_id") == program_id
            ]

    def of_type(self, program_id: str, verb: str) -> list[Received]:
        """Distinct events (by CloudEvents id) of the type ``mentoring.<verb>.v1`` about the program."""
        unique = {r.event["id"]: r for r in self.events(program_id, f"mentoring.{verb}.v1")}
        return list(unique.values())

    def stop(self) -> None:
        self._stop.set()


@contextmanager
def outside_subscriber(bootstrap: str, topics: list[str], group: str) -> Iterator[OutsideSubscriber]:
    subscriber = OutsideSubscriber(bootstrap, topics, group)
    thread = threading.Thread(target=subscriber.run, daemon=True)
    thread.start()
    try:
        if not subscriber.assigned.wait(timeout=60):
            raise AssertionError(f"group {group} got no partitions of every topic of {topics} within 60 s")
        yield subscriber
    finally:
        subscriber.stop()
        thread.join(timeout=10)
        subscriber.consumer.close()

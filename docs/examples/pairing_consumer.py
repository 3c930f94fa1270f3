"""Example consumer of ``mentoring.pairings.v1`` for other teams: copy it, replace ``handle``.

Standalone (only kafka-python). Delivery is at least once, so it drops duplicates by the CloudEvents
``id``, and commits offsets only after ``handle`` returned. Events of one pairing share a key, so they
arrive in order. Types: ``mentoring.pairing.{proposed,published,accepted,declined,activated,ended,
rematch_requested}.v1``; payload schemas in ``docs/schemas/``. Unknown types and newer versions
(``.v2``) are skipped, never fatal.

    python docs/examples/pairing_consumer.py --bootstrap 127.0.0.1:9092 --group my-team
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer

TOPIC = "mentoring.pairings.v1"
UNDERSTOOD = {
    f"mentoring.pairing.{verb}.v1"
    for verb in ("proposed", "published", "accepted", "declined", "activated", "ended", "rematch_requested")
}


class SeenIds:
    """The last ``size`` event ids, to drop redeliveries. Keep it in your database (a unique index on
    the id, written with your effect) if a duplicate after a restart would hurt."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        if event_id in self._ids:
            return False
        self._ids[event_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


def handle(event: dict[str, Any]) -> None:
    """Your effect goes here. ``event["data"]`` is the pairing after the change."""
    data = event["data"]
    print(f"{event['type']}: pairing {data['pairing_id']} is {data['state']}", flush=True)


def consume(
    bootstrap: str,
    group: str,
    on_event: Callable[[dict[str, Any]], None] = handle,
    topic: str = TOPIC,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap.split(","),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    seen = SeenIds()
    try:
        while not should_stop():
            batch = consumer.poll(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    try:
                        event = json.loads(record.value)
                    except (TypeError, ValueError):
                        continue  # not a CloudEvent: skip (the producer's dead-letter topics hold such)
                    if event.get("type") not in UNDERSTOOD or not seen.first_time(str(event.get("id"))):
                        continue
                    on_event(event)
            if batch:
                consumer.commit()
    finally:
        consumer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--group", required=True, help="your team's consumer group")
    parser.add_argument("--topic", default=TOPIC, help="physical topic name (with a prefix if any)")
    args = parser.parse_args()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with contextlib.suppress(KeyboardInterrupt):
        consume(args.bootstrap, args.group, topic=args.topic, should_stop=lambda: bool(stopping))


if __name__ == "__main__":
    main()

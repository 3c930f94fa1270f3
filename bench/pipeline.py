"""Event pipeline: N events through the chassis consumer vs a raw kafka-python + pymongo loop.

Both read the same topic on the same broker and write the same projection documents to the same
Mongo-wire server; the chassis additionally validates every payload, checks and records event ids
(idempotency) and commits after the batch is durable. Goal: chassis at least 0.5 x raw throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer

from shared.config import Settings
from shared.contracts import PARTICIPANTS
from shared.events.consumer import EventConsumer
from shared.events.envelope import make_event
from shared.events.producer import EventPublisher
from shared.mongo import PROCESSED_EVENTS, database_for
from shared.projection import upsert_if_newer
from shared.topics import ensure_topics

RESULTS = Path(__file__).parent / "results"


def _participant(i: int) -> dict:
    return {
        "participant_id": f"p-{i:06d}",
        "program_id": "bench",
        "employee_id": f"E{i:06d}",
        "role": "junior" if i % 2 else "leader",
        "level": 3 if i % 2 else 10,
        "department": "Marketing",
        "location": "Lisbon",
        "timezone": "Europe/Lisbon",
        "languages": ["en", "pt"],
        "topics_to_learn": [] if i % 2 else ["gen-z-consumer-trends"],
        "topics_to_teach": ["gen-z-consumer-trends"] if i % 2 else [],
        "availability": [{"day": 1, "start": "09:00", "end": "11:00"}],
        "consent": {"matching": True, "data_processing": True},
        "status": "enrolled",
    }


def produce(settings: Settings, count: int) -> None:
    producer = KafkaProducer(**settings.kafka_client_options, acks="all", linger_ms=20, batch_size=262144)
    topic = settings.topic(PARTICIPANTS)
    for i in range(count):
        event = make_event("mentoring.participant.registered.v1", "/bench", f"p-{i:06d}", _participant(i))
        producer.send(topic, key=event.subject.encode(), value=event.to_bytes())
    producer.flush()
    producer.close()


class RawLoop:
    """The baseline: decode JSON, upsert the projection document, commit per batch. Nothing else."""

    def __init__(self, settings: Settings) -> None:
        self.collection = database_for(settings)["raw_participants"]
        self.consumer = KafkaConsumer(
            settings.topic(PARTICIPANTS),
            **settings.kafka_client_options,
            group_id=f"{settings.topic_prefix}raw",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=500,
        )
        self.done = 0

    def consume_until(self, target: int) -> None:
        while self.done < target:
            for records in self.consumer.poll(timeout_ms=500).values():
                for record in records:
                    data = json.loads(record.value)["data"]
                    self.collection.update_one({"_id": data["participant_id"]}, {"$set": data}, upsert=True)
                    self.done += 1
            self.consumer.commit()

    def close(self) -> None:
        self.consumer.close()


class ChassisLoop:
    """The chassis consumer with a projection handler, exactly as a service worker runs it."""

    def __init__(self, settings: Settings) -> None:
        self.db = database_for(settings)
        self.publisher = EventPublisher(settings)
        participants = self.db["participants"]

        def project(event) -> None:
            upsert_if_newer(participants, event.data["participant_id"], event.data, event)

        self.consumer = EventConsumer(
            settings,
            "matching",
            [PARTICIPANTS],
            {"mentoring.participant.registered.v1": project},
            self.db,
            self.publisher,
        )
        self.done = 0

    def consume_until(self, target: int) -> None:
        while self.done < target:
            self.done += self.consumer.poll_once()

    def close(self) -> None:
        self.consumer.close()
        self.publisher.close()


def interleaved(settings: Settings, count: int, rounds: int) -> tuple[float, float]:
    """Alternate raw and chassis in rounds over the same log, so machine load hits both alike."""
    raw, chassis = RawLoop(settings), ChassisLoop(settings)
    raw_s = chassis_s = 0.0
    for round_number in range(1, rounds + 1):
        target = count * round_number // rounds
        started = time.perf_counter()
        raw.consume_until(target)
        raw_s += time.perf_counter() - started
        started = time.perf_counter()
        chassis.consume_until(target)
        chassis_s += time.perf_counter() - started
        print(f"round {round_number}/{rounds}: raw {raw_s:.1f} s, chassis {chassis_s:.1f} s", flush=True)
    assert raw.done == chassis.done == count
    assert chassis.db[PROCESSED_EVENTS].count_documents({}) == count
    raw.close()
    chassis.close()
    return raw_s, chassis_s


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5, help="alternations of raw and chassis")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URI"):
            env = {k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI")}
        else:
            from deploy.local.infra import LocalInfra

            run_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-infra-"))
            infra = stack.enter_context(LocalInfra(run_dir).start())
            env = infra.env
        tag = f"bench{uuid.uuid4().hex[:8]}"
        settings = Settings.from_env(
            "matching", {**env, "AUTH_MODE": "dev", "TOPIC_PREFIX": f"{tag}.", "MONGODB_DATABASE": tag}
        )
        ensure_topics(settings)
        produce(settings, args.events)
        raw_s, chassis_s = interleaved(settings, args.events, args.rounds)
        database_for(settings).client.drop_database(tag)
    result = {
        "events": args.events,
        "rounds": args.rounds,
        "raw": {"seconds": round(raw_s, 3), "events_per_s": round(args.events / raw_s, 1)},
        "chassis": {"seconds": round(chassis_s, 3), "events_per_s": round(args.events / chassis_s, 1)},
        "ratio": round(raw_s / chassis_s, 3),
        "goal": "chassis throughput >= 0.5 x raw",
        "goal_met": raw_s / chassis_s >= 0.5,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pipeline.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()

"""Event pipeline: N events through the chassis consumer vs a raw kafka-python + pymongo loop.

Both read the same topic on the same broker and write the same projection documents to the same
Mongo-wire server; the chassis additionally validates every payload, checks and records event ids
(idempotency) and commits after the batch is durable. Goal: chassis at least 0.5 x raw throughput.

The chassis side runs as matching's worker does, on the indexes the worker creates at start
(``ensure_indexes`` with the chassis' and matching's ``INDEXES``): every projection write and processed-event
record maintains them. The raw loop is the strongest honest baseline: one upsert by ``_id`` per event,
no other index. Both sides first consume ``--warmup`` events untimed (group join, connections, collection
creation, first-call costs), then alternate in ``--rounds`` timed rounds over the same log.
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
from shared.mongo import CHASSIS_INDEXES, PROCESSED_EVENTS, database_for, ensure_indexes
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
    """The chassis consumer with a projection handler, exactly as a service worker runs it: the indexes
    matching's worker creates at start (shared.worker.build_service_worker) exist before the first event."""

    def __init__(self, settings: Settings) -> None:
        from services.matching import store

        self.db = database_for(settings)
        ensure_indexes(self.db, [*CHASSIS_INDEXES, *store.INDEXES])
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


def interleaved(settings: Settings, count: int, rounds: int, warmup: int) -> dict:
    """Both consume the first ``warmup`` events untimed, then alternate in rounds over the next ``count``
    events of the same log, so machine load hits both alike. A poll may overshoot the warm-up target by
    part of a batch, so each side's throughput counts the events it consumed while timed."""
    raw, chassis = RawLoop(settings), ChassisLoop(settings)
    raw.consume_until(warmup)
    chassis.consume_until(warmup)
    timed = {"raw": warmup + count - raw.done, "chassis": warmup + count - chassis.done}
    print(f"warm-up: {raw.done} raw and {chassis.done} chassis events (not counted)", flush=True)
    raw_s = chassis_s = 0.0
    per_round = []
    for round_number in range(1, rounds + 1):
        target = warmup + count * round_number // rounds
        started = time.perf_counter()
        raw.consume_until(target)
        raw_round = time.perf_counter() - started
        started = time.perf_counter()
        chassis.consume_until(target)
        chassis_round = time.perf_counter() - started
        raw_s, chassis_s = raw_s + raw_round, chassis_s + chassis_round
        per_round.append({"raw_s": round(raw_round, 3), "chassis_s": round(chassis_round, 3)})
        print(f"round {round_number}/{rounds}: raw {raw_s:.1f} s, chassis {chassis_s:.1f} s", flush=True)
    assert raw.done == chassis.done == warmup + count
    assert chassis.db[PROCESSED_EVENTS].count_documents({}) == warmup + count
    raw.close()
    chassis.close()
    return {"raw_s": raw_s, "chassis_s": chassis_s, "timed_events": timed, "per_round": per_round}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5, help="alternations of raw and chassis")
    parser.add_argument("--warmup", type=int, default=2_000, help="events each side consumes untimed first")
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
        produce(settings, args.warmup + args.events)
        run = interleaved(settings, args.events, args.rounds, args.warmup)
        database_for(settings).client.drop_database(tag)
    raw_s, chassis_s, timed = run["raw_s"], run["chassis_s"], run["timed_events"]
    raw_rate, chassis_rate = timed["raw"] / raw_s, timed["chassis"] / chassis_s
    result = {
        "events": args.events,
        "rounds": args.rounds,
        "warmup_events": args.warmup,
        "chassis_indexes": "those matching's worker creates (CHASSIS_INDEXES + matching store.INDEXES)",
        "raw": {"seconds": round(raw_s, 3), "events": timed["raw"], "events_per_s": round(raw_rate, 1)},
        "chassis": {
            "seconds": round(chassis_s, 3),
            "events": timed["chassis"],
            "events_per_s": round(chassis_rate, 1),
        },
        "ratio": round(chassis_rate / raw_rate, 3),
        "rounds_s": run["per_round"],
        "goal": "chassis throughput >= 0.5 x raw",
        "goal_met": chassis_rate / raw_rate >= 0.5,
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

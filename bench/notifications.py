"""Notifications: pairing events on Kafka -> e-mails accepted by the local SMTP server.

1. Throughput: ``--events`` pairing.published events published at once (each tells the leader and the
   junior, so two e-mails per event); e-mails accepted per second by the sink, from the first publish to
   the last acceptance. The worker runs as in production (``python -m services.notifications worker``:
   consumer, routing, preferences, rendering, delivery log, scheduler, SMTP, outbox relay).
2. Latency: ``--steady-events`` at a steady ``--rate`` events/s; per e-mail, from the publish of its
   cause to the sink's acceptance (p50/p99).
3. Raw loop, same run: a kafka-python consumer over the same events and smtplib sending the same two
   e-mails per event over one connection, no bookkeeping. Goal: throughput >= 0.5 x raw, p99 <= 100 ms.
4. The scheduler's due-item poll (claim_due with nothing due) with 0 and with 100,000 items not yet due.

``python -m bench.notifications`` (infra from KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI, else local processes)
writes bench/results/notifications.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.intake_bench import RESULTS
from deploy.local.smtp_process import SmtpSinkProcess
from deploy.local.smtp_sink import read_index
from services.notifications.domain.delivery import email_message_id

PROGRAM = "prog-bench"
PEOPLE = 500  # leaders and as many juniors; events pair them round-robin


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _contacts(publisher, settings) -> None:
    from shared.contracts import CONTACTS
    from shared.contracts.types import ContactUpserted

    items = []
    for n in range(PEOPLE):
        for side in ("L", "J"):
            pid = f"{side}{n:04d}"
            data = {
                "participant_id": pid,
                "program_id": PROGRAM,
                "employee_id": f"E-{pid}",
                "display_name": f"Person {pid}",
                "email": f"{pid.lower()}@example.com",
                "locale": "en",
            }
            items.append((CONTACTS, ContactUpserted(pid, data).envelope("/bench")))
    publisher.publish_all(items)


def _pairing(n: int):
    from shared.contracts.types import PairingPublished

    leader, junior = f"L{n % PEOPLE:04d}", f"J{(n * 7) % PEOPLE:04d}"
    data = {
        "pairing_id": f"pr-{n:06d}",
        "program_id": PROGRAM,
        "leader_id": leader,
        "junior_id": junior,
        "state": "published",
    }
    return PairingPublished(data["pairing_id"], data).envelope("/bench"), leader, junior


def _accepted_times(directory: Path) -> dict[str, float]:
    return {
        entry["message_id"]: datetime.fromisoformat(entry["accepted_at"]).timestamp()
        for entry in read_index(directory)
        if not entry["repeat"]
    }


def _wait_for_mail(directory: Path, expected: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    seen = 0
    while time.monotonic() < deadline:
        seen = len(_accepted_times(directory))
        if seen >= expected:
            return seen
        time.sleep(0.5)
    return seen


def _publish(publisher, topic: str, count: int, offset: int, rate: float | None) -> dict[str, tuple]:
    """Publish ``count`` pairing events; returns Message-ID -> publish time for their e-mails."""
    sent: dict[str, float] = {}
    start = time.perf_counter()
    for i in range(count):
        if rate:
            wait = start + i / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        event, leader, junior = _pairing(offset + i)
        at = time.time()
        publisher.send(topic, event)
        if rate:
            publisher.flush()
        for person in (leader, junior):
            sent[email_message_id(f"{event.id}:E-{person}:email")] = at
    publisher.flush()
    return sent


def raw_loop(settings, topic: str, count: int, smtp_port: int) -> float:
    """The floor: consume the events, send two e-mails each over one SMTP connection, nothing else."""
    from email.message import EmailMessage

    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic,
        **settings.kafka_client_options,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"raw-{uuid.uuid4().hex[:6]}",
    )
    smtp = smtplib.SMTP("127.0.0.1", smtp_port)
    done, start = 0, None
    while done < count:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                start = start or time.perf_counter()
                event = json.loads(record.value)
                for person in (event["data"]["leader_id"], event["data"]["junior_id"]):
                    mail = EmailMessage()
                    mail["From"], mail["To"] = "bench@example.com", f"{person.lower()}@example.com"
                    mail["Subject"], mail["Message-ID"] = "Match", f"<{event['id']}.{person}@bench>"
                    mail.set_content("You have been paired.")
                    smtp.send_message(mail)
                done += 1
    elapsed = time.perf_counter() - start
    smtp.quit()
    consumer.close()
    return 2 * count / elapsed


def poll_cost(db, items: int, polls: int) -> dict[str, float]:
    """claim_due with nothing due, ``items`` scheduled an hour ahead."""
    from shared.schedule import MongoScheduledWork, _document

    collection = db[f"poll_bench_{items}"]
    collection.drop()
    schedule = MongoScheduledWork(collection)
    later = datetime.now(UTC) + timedelta(hours=1)
    for start in range(0, items, 5000):
        batch = [
            _document(f"item-{n}", "delivery", later + timedelta(milliseconds=n), {"message_id": f"m{n}"}, 0)
            for n in range(start, min(items, start + 5000))
        ]
        collection.insert_many(batch, ordered=False)
    timings = []
    for _ in range(polls):
        began = time.perf_counter()
        claimed = schedule.claim_due(datetime.now(UTC), "bench", 50, timedelta(seconds=60))
        timings.append((time.perf_counter() - began) * 1000)
        assert claimed == []
    collection.drop()
    return {
        "items_not_due": items,
        "polls": polls,
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": round(_pct(timings, 0.99), 3),
        "mean_ms": round(statistics.fmean(timings), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--steady-events", type=int, default=6_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--poll-items", type=int, default=100_000)
    parser.add_argument("--polls", type=int, default=20)
    parser.add_argument("--out", default=str(RESULTS / "notifications.json"))
    parser.add_argument("--profile", help="a directory: run the worker under cProfile, one file per thread")
    parser.add_argument("--note", action="append", default=[], help="a finding to keep with the figures")
    args = parser.parse_args()

    from bench.intake_bench import infrastructure
    from shared.config import Settings
    from shared.contracts import PAIRINGS
    from shared.events.producer import EventPublisher
    from shared.mongo import database_for
    from shared.topics import ensure_topics

    load_at_start = os.getloadavg()[0]
    with infrastructure() as env, tempfile.TemporaryDirectory(prefix="notifications-bench-") as tmp:
        tag = f"nb{uuid.uuid4().hex[:6]}"
        base = {
            **env,
            "MONGODB_DATABASE": f"{tag}_notifications",
            "TOPIC_PREFIX": f"{tag}.",
            "AUTH_MODE": "dev",
        }
        settings = Settings.from_env("notifications", base)
        ensure_topics(settings)
        sink, raw_sink = SmtpSinkProcess(Path(tmp) / "sink"), SmtpSinkProcess(Path(tmp) / "raw")
        sink.run_dir.mkdir()
        raw_sink.run_dir.mkdir()
        sink.start(_free_port())
        raw_sink.start(_free_port())
        worker_env = {
            **os.environ,
            **base,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(sink.port),
            "METRICS_PORT": str(_free_port()),
            "LOG_LEVEL": "WARNING",
            "DEV_KEYS_DIR": str(Path(tmp) / "keys"),
        }
        publisher = EventPublisher(settings)
        command = ["-m", "services.notifications", "worker"]
        if args.profile:
            command = ["-m", "bench.profiled_worker", "notifications", str(Path(args.profile).resolve())]
        worker = subprocess.Popen([sys.executable, *command], env=worker_env, start_new_session=True)
        result: dict = {}
        try:
            _contacts(publisher, settings)
            from services.notifications.store.uow import MongoNotificationsUnitOfWork

            uow = MongoNotificationsUnitOfWork(database_for(settings))
            deadline = time.monotonic() + 120
            while uow.people.contact(f"J{PEOPLE - 1:04d}") is None and time.monotonic() < deadline:
                time.sleep(0.2)
            topic = settings.topic(PAIRINGS)

            began = time.perf_counter()
            burst = _publish(publisher, topic, args.events, 0, None)
            seen = _wait_for_mail(sink.mailbox_dir, len(burst), timeout_s=1800)
            accepted = _accepted_times(sink.mailbox_dir)
            last = max(accepted[m] for m in burst if m in accepted)
            first_publish = min(burst.values())
            throughput = seen / (last - first_publish)
            wall = time.perf_counter() - began

            steady = _publish(publisher, topic, args.steady_events, args.events, args.rate)
            _wait_for_mail(sink.mailbox_dir, len(burst) + len(steady), timeout_s=600)
            accepted = _accepted_times(sink.mailbox_dir)
            latencies = [(accepted[m] - at) * 1000 for m, at in steady.items() if m in accepted]

            raw = raw_loop(settings, topic, args.events, raw_sink.port)
            poll_empty = poll_cost(database_for(settings), 0, args.polls)
            poll_full = poll_cost(database_for(settings), args.poll_items, args.polls)
            result = {
                "benchmark": "notifications",
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "load_1m_at_start": round(load_at_start, 2),
                    "load_1m_at_end": round(os.getloadavg()[0], 2),
                },
                "throughput": {
                    "pairing_events": args.events,
                    "emails_accepted": seen,
                    "emails_per_s": round(throughput, 1),
                    "wall_s": round(wall, 1),
                    "raw_loop_emails_per_s": round(raw, 1),
                    "ratio_to_raw": round(throughput / raw, 3),
                    "goal_ratio": 0.5,
                },
                "latency_at_steady_rate": {
                    "events_per_s": args.rate,
                    "pairing_events": args.steady_events,
                    "emails_measured": len(latencies),
                    "p50_ms": round(_pct(latencies, 0.5), 1) if latencies else None,
                    "p99_ms": round(_pct(latencies, 0.99), 1) if latencies else None,
                    "max_ms": round(max(latencies), 1) if latencies else None,
                    "goal_p99_ms": 100,
                },
                "due_poll": {"empty": poll_empty, "with_items_not_due": poll_full},
                **({"notes": args.note} if args.note else {}),
            }
        finally:
            worker.terminate()
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
            publisher.close()
            sink.stop()
            raw_sink.stop()
            database_for(settings).client.drop_database(settings.mongodb_database)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The system under test as the bench sees it: its URLs and tokens, the sink's mailbox, the delivery log,
the Kafka records' times and each process's CPU; and the figures' arithmetic."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import requests

ADMIN = "E000001"  # the demo program's admin; also holds the hr role here
LEADER_LEVEL = 5  # 2,500 leaders of 10,000 people reach down to level 5 (gap 3: their juniors are 1-2)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ACTIVE_FOR_CHECK_INS = 20  # pairings both sides accept before the load, so feedback takes check-ins
GOAL_P99_MS = 100


def pct(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1) if ordered else None


def summary(values_ms: list[float]) -> dict[str, Any]:
    return {
        "n": len(values_ms),
        "p50_ms": pct(values_ms, 0.5),
        "p99_ms": pct(values_ms, 0.99),
        "max_ms": round(max(values_ms), 1) if values_ms else None,
    }


def epoch(value: datetime | None) -> float | None:
    """Mongo hands back naive UTC datetimes."""
    return None if value is None else value.replace(tzinfo=value.tzinfo or UTC).timestamp()


def stored_name(header: str) -> str:
    """The sink's file of a Message-ID (deploy/local/smtp_sink.py)."""
    return hashlib.sha256(header.encode()).hexdigest()[:32] + ".eml"


class Mailbox:
    """The sink's ``index.jsonl`` read as it grows: e-mail Message-ID -> first acceptance (epoch s)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "index.jsonl"
        self.offset = 0
        self.accepted: dict[str, float] = {}

    def poll(self) -> dict[str, float]:
        if self.path.exists():
            with open(self.path, "rb") as index:
                index.seek(self.offset)
                chunk = index.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self.offset += len(complete)
            for line in complete.splitlines():
                entry = json.loads(line)
                if not entry["repeat"]:
                    at = datetime.fromisoformat(entry["accepted_at"]).timestamp()
                    self.accepted.setdefault(entry["message_id"], at)
        return self.accepted


@dataclass(eq=False)  # hashable by identity: auth() caches per run
class System:
    urls: dict[str, str]
    settings: Any
    notifications_db: Any
    mailbox: Mailbox
    sink_dir: Path
    facts: dict[str, Any] = field(default_factory=dict)

    @cache  # noqa: B019 (one System per run)
    def auth(self, subject: str, *roles: str) -> dict[str, str]:
        from shared.auth import dev_token

        return {"Authorization": f"Bearer {dev_token(self.settings, subject, list(roles), ttl_s=7200)}"}

    def admin(self) -> dict[str, str]:
        return self.auth(ADMIN, "admin", "hr")

    def api(self, service: str) -> str:
        return f"{self.urls[service]}/v1"

    def emails(self, template: str, program_id: str) -> list[dict]:
        """The delivery log's e-mails of a template in a program (times, cause, message id)."""
        from services.notifications.domain.delivery import email_message_id

        fields = {
            k: 1
            for k in (
                "message_id",
                "recipient",
                "participant_id",
                "cause_event_id",
                "caused_at",
                "planned_at",
                "sent_at",
                "status",
            )
        }
        found = self.notifications_db["deliveries"].find(
            {"program_id": program_id, "channel": "email", "template": template}, fields
        )
        return [{**d, "header": email_message_id(d["message_id"])} for d in found]

    def wait_accepted(self, template: str, program_id: str, expected: int, timeout_s: float) -> list[dict]:
        """Until ``expected`` e-mails of the template are accepted by the sink (or the time is up)."""
        deadline = time.monotonic() + timeout_s
        shown = time.monotonic()
        while True:
            accepted = self.mailbox.poll()
            mails = [m for m in self.emails(template, program_id) if m["header"] in accepted]
            if len(mails) >= expected or time.monotonic() > deadline:
                return mails
            if time.monotonic() > shown + 15:
                print(f"{template}: {len(mails)} of {expected} e-mails accepted", flush=True)
                shown = time.monotonic()
            time.sleep(1.0)


def ok(response: requests.Response, what: str) -> dict:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{what}: {response.status_code} {response.text[:1000]}")
    return response.json()


def new_program(system: System, name: str) -> str:
    from shared.demo import demo_program

    program = demo_program("e2e")
    body = {k: program[k] for k in ("name", "focus_areas", "custom_focus_areas", "starts_on", "ends_on")}
    body.update(name=name, admins=[ADMIN], rules={k: v for k, v in program["rules"].items() if v != []})
    intake = system.api("intake")
    program_id = ok(
        requests.post(f"{intake}/programs", json=body, headers=system.admin(), timeout=30), "program"
    )["program_id"]
    move_program(system, program_id, "enrolling")
    return program_id


def move_program(system: System, program_id: str, status: str) -> None:
    """The program's admin moves it on (enrolling, matching, ...) through intake's API."""
    moved = requests.post(
        f"{system.api('intake')}/programs/{program_id}/status",
        json={"status": status},
        headers=system.admin(),
        timeout=30,
    )
    ok(moved, f"{status} status")


def record_times(settings, topics: list[str]) -> list[tuple[float, str | None]]:
    """Every record of these topics: the Kafka record's timestamp (set when the relay sent it) and the
    participant the event is about, if any."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(**settings.kafka_client_options, enable_auto_commit=False, group_id=None)
    consumer.topics()  # fetches the cluster's metadata: partitions_for_topic answers None before it
    parts = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
    if len({p.topic for p in parts}) != len(topics):
        raise RuntimeError(f"no partitions known for some of {topics}")
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    ends, times = consumer.end_offsets(parts), []
    while any(consumer.position(p) < ends[p] for p in parts):
        for records in consumer.poll(timeout_ms=1000, max_records=5000).values():
            for record in records:
                data = json.loads(record.value).get("data") or {}
                times.append((record.timestamp / 1000, data.get("participant_id")))
    consumer.close()
    return times


def cpu_seconds(names: dict[int, str]) -> dict[str, float]:
    """CPU seconds (user + system) of each process this bench started, with its descendants (gunicorn's
    workers, Kafka's JVM), by name; ``names`` names some pids, the rest are named by their command line."""
    tick, parent, cpu, cmd = os.sysconf("SC_CLK_TCK"), {}, {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmd[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:300]
            except OSError:
                continue
            parent[int(entry.name)], cpu[int(entry.name)] = (
                int(stat[1]),
                (int(stat[11]) + int(stat[12])) / tick,
            )
    me, out = os.getpid(), defaultdict(float)
    for pid, seconds in cpu.items():
        chain = [pid]
        while chain[-1] in parent and parent[chain[-1]] not in (me, 0, 1):
            chain.append(parent[chain[-1]])
        top = chain[-1]
        if parent.get(top) != me:
            continue
        label = names.get(top) or next(
            (w for w in ("kafka", "ferretdb", "smtp_sink") if w in cmd.get(top, "")), cmd.get(top, "?")[:60]
        )
        out[label] += seconds
    out["bench driver (this process)"] = sum(os.times()[:2])
    return dict(out)

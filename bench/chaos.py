"""Chaos run: real events flow through the whole chain while workers are killed and servers restart.

Through the public APIs only: programs, registrations and profile updates (intake), a match run and its
publication, both sides accepting (matching), goals and check-ins (feedback); notifications e-mails the
people and posts signed webhooks to a subscriber. Meanwhile, at moments drawn from a seeded RNG (as
fractions of the event target, printed so a failure can be replayed with ``--seed``), every worker is
killed with SIGKILL twice, the Kafka broker and FerretDB are each restarted once, and poison messages
(bad JSON, an unknown type, a payload breaking its schema) are written into consumed topics.

Afterwards every expected effect exists exactly once: pairings, goals and check-ins, e-mails at the SMTP
sink by ``Message-ID`` and webhooks at the receiver by ``webhook-id``; every consumer group's committed
offsets reach the end of its topics (lag 0); the dead-letter topics hold exactly the poison messages.

    python -m bench.chaos --events 10000     # ``make chaos``: writes bench/results/chaos.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import requests
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from deploy.local.demo import registration_of
from deploy.local.infra import LocalInfra
from services.notifications.domain.delivery import email_message_id
from shared.auth import dev_token
from shared.config import SERVICES, Settings
from shared.contracts import CONSUMER_GROUPS, PAIRINGS, PARTICIPANTS, TOPICS, dlq_topic
from shared.demo import demo_program, generate_cohort, generate_organisation
from shared.events.envelope import make_event
from tests.support.harness import isolated_settings, topics_ready
from tests.support.infra import Endpoints
from tests.support.processes import REPO, ServiceProcesses, free_port
from tests.support.smtp import Sink, smtp_sink

RESULTS = Path(__file__).parent / "results"
RECEIVER = REPO / "docs" / "examples" / "webhook_receiver.py"
ADMIN = "E000001"
STAFF = (ADMIN, "admin", "hr")  # the programs' admin, who also uploads the org chart
WORKERS = tuple(f"{service}-worker" for service in SERVICES)
WEBHOOK_TYPES = ("mentoring.pairing.published.v1", "mentoring.pairing.activated.v1")
# e-mails each pairing causes: "you have a match" and "it is active" to both sides, and the first
# acceptance (the leader's) told to the junior
MAILS_PER_PAIRING = {"pairing_published": 2, "pairing_activated": 2, "pairing_accepted": 1}
# compressed delivery timings: a killed notifications worker's claims come back within seconds
WORKER_ENV = {
    "SCHEDULER_LEASE_S": "10",
    "SCHEDULER_IDLE_S": "0.2",
    "DELIVERY_RETRY_DELAYS_S": "1,2,5,10",
    "WEBHOOK_RETRY_SCHEDULE": "0,1,2,5,10",
    "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    "WEBHOOK_DISABLE_AFTER_S": "3600",
}
PARALLEL_COHORTS = 3  # cohorts driven at once, each through its steps in turn
RETRIED_RUN_CODES = ("stale_projection", "program_status", "all_pairs_infeasible")
ABORT = threading.Event()  # set when the run failed: every wait and retry loop of the workload gives up


class Aborted(Exception):
    """The run failed elsewhere; this thread stops too."""


def log(message: str) -> None:
    print(f"[chaos {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --------------------------------------------------------------------------------------------------
# the system under test


@dataclass
class Receiver:
    """docs/examples/webhook_receiver.py as a process: verifies signatures, logs every request."""

    port: int
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self, secret: str) -> None:
        args = [sys.executable, str(RECEIVER), "--port", str(self.port), "--log", str(self.log_path)]
        with self.log_path.with_suffix(".out").open("w") as output:
            self.process = subprocess.Popen([*args, "--secret", secret], stdout=output, stderr=output)
        wait_until("the webhook receiver listening", lambda: _listening(self.port), 20)

    def entries(self) -> list[dict]:
        text = self.log_path.read_text() if self.log_path.exists() else ""
        return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Rig:
    infra: LocalInfra
    processes: ServiceProcesses
    sink: Sink
    receiver: Receiver
    settings: dict[str, Settings]

    def url(self, service: str) -> str:
        return f"{self.processes.api_url(service)}/v1"


@contextmanager
def own_infra(workdir: Path) -> Iterator[LocalInfra]:
    """Kafka + FerretDB of this run alone (own ports and run dir): restarting them disturbs no one else."""
    infra = LocalInfra(workdir / "infra").start()
    try:
        yield infra
    finally:
        infra.stop(3.0)


@contextmanager
def chaos_rig(workdir: Path, infra: LocalInfra | None = None) -> Iterator[Rig]:
    """SMTP sink, webhook receiver and all eight processes on ``infra`` (by default servers of its own)."""
    with ExitStack() as stack:
        infra = infra or stack.enter_context(own_infra(workdir))
        sink = stack.enter_context(smtp_sink(workdir / "mailbox"))
        receiver = Receiver(free_port(), workdir / "webhooks.jsonl")
        stack.callback(receiver.stop)
        servers = Endpoints(infra.kafka_bootstrap, infra.mongodb_uri, "local-processes")
        keys = workdir / "keys"
        keys.mkdir(parents=True, exist_ok=True)
        tag = f"chaos{uuid.uuid4().hex[:6]}"
        settings = {s: isolated_settings(servers, tag, str(keys), s) for s in SERVICES}
        topics_ready(settings["intake"])
        env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_TLS": "none", **WORKER_ENV}
        processes = ServiceProcesses(settings, workdir / "logs", extra_env=env)
        stack.callback(processes.stop)
        processes.start(timeout_s=120)
        yield Rig(infra, processes, sink, receiver, settings)


def wait_until(what: str, condition: Callable[[], Any], timeout_s: float, interval_s: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        if ABORT.is_set():
            raise Aborted(what)
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"chaos: {what} not reached within {timeout_s:.0f} s")
        time.sleep(interval_s)


# --------------------------------------------------------------------------------------------------
# the APIs, held while FerretDB restarts


class Gate:
    """API calls pass unless a FerretDB restart holds the gate; the restart waits for calls in flight, so
    no request is cut off half-written (the APIs are not what this run tests)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._in_flight = 0
        self._held = False

    @contextmanager
    def call(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._held)
            self._in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._cond:
            self._held = True
            self._cond.wait_for(lambda: self._in_flight == 0)
        try:
            yield
        finally:
            with self._cond:
                self._held = False
                self._cond.notify_all()


class Api:
    def __init__(self, rig: Rig, gate: Gate) -> None:
        self.rig, self.gate = rig, gate
        self._tokens: dict[tuple[str, tuple[str, ...]], str] = {}
        self.lock = threading.Lock()

    def token(self, subject: str, *roles: str) -> str:
        key = (subject, roles)
        with self.lock:
            if key not in self._tokens:
                self._tokens[key] = dev_token(self.rig.settings["intake"], subject, list(roles))
            return self._tokens[key]

    def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        as_: tuple[str, ...] = STAFF,
        ok=(200, 201),
        timeout_s: float = 120,
        **kwargs: Any,
    ) -> requests.Response:
        """The request until it is answered with one of ``ok`` (or another 4xx, returned as it is)."""
        subject, *roles = as_
        headers = {"Authorization": f"Bearer {self.token(subject, *roles)}"}
        deadline = time.monotonic() + timeout_s
        while True:
            with self.gate.call():
                try:
                    response = requests.request(
                        method, f"{self.rig.url(service)}{path}", headers=headers, timeout=60, **kwargs
                    )
                except requests.RequestException as error:
                    response, problem = None, str(error)
            if response is not None and (response.status_code in ok or 400 <= response.status_code < 500):
                return response
            if response is not None:
                problem = f"{response.status_code} {response.text[:300]}"
            if ABORT.is_set():
                raise Aborted(f"{method} {path}")
            if time.monotonic() > deadline:
                raise AssertionError(f"chaos: {method} {service}{path} kept failing: {problem}")
            time.sleep(0.5)

    def once_known(self, service: str, path: str, **kwargs: Any) -> dict:
        """POST once the service has projected what it refers to (404 until its consumers caught up)."""
        response = wait_until(
            f"{service} knowing what {path} refers to",
            lambda: (r := self.call("POST", service, path, **kwargs)).status_code != 404 and r,
            240,
            0.5,
        )
        if response.status_code not in (200, 201):
            raise AssertionError(f"chaos: POST {service}{path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def ok(self, method: str, service: str, path: str, **kwargs: Any) -> dict:
        response = self.call(method, service, path, **kwargs)
        if response.status_code not in (200, 201):
            raise AssertionError(
                f"chaos: {method} {service}{path}: {response.status_code} {response.text[:500]}"
            )
        return response.json()


# --------------------------------------------------------------------------------------------------
# the workload: cohorts through the public APIs


@dataclass
class Cohort:
    program_id: str = ""
    participants: int = 0
    updates: int = 0
    pairings: list[dict] = field(default_factory=list)


# loose rules, so that most leaders of a small cohort find a junior
COHORT_RULES = {"min_seniority_gap": 1, "min_timezone_overlap_hours": 0, "junior_capacity_default": 1}


def _toggled_language(languages: list[str]) -> list[str]:
    """A profile change: French added, or taken away from someone who speaks it."""
    return [*languages, "fr"] if "fr" not in languages else [x for x in languages if x != "fr"] or ["en"]


def run_cohort(api: Api, organisation, n: int, leaders: int, juniors: int) -> Cohort:
    """One program from creation to goals and check-ins on every pairing, each step as its people would."""
    program = demo_program(f"chaos-{n}")
    body = {k: program[k] for k in ("focus_areas", "starts_on", "ends_on")}
    body.update(name=f"Chaos cohort {n}", admins=[ADMIN], rules=COHORT_RULES)
    cohort = Cohort(api.ok("POST", "intake", "/programs", json=body)["program_id"])
    pid = cohort.program_id
    api.ok("POST", "intake", f"/programs/{pid}/status", json={"status": "enrolling"})
    people = generate_cohort(organisation, f"chaos-{n}", leaders=leaders, juniors=juniors, seed=n)
    registered: list[tuple[str, dict]] = []
    for person in people:
        payload = registration_of(person, organisation)
        if payload is None:
            continue
        response = api.call("POST", "intake", "/participants", json={**payload, "program_id": pid})
        if response.status_code != 201:
            raise AssertionError(f"chaos: registration refused: {response.status_code} {response.text[:500]}")
        registered.append((response.json()["participant_id"], person))
    cohort.participants = len(registered)
    for participant_id, person in registered[::2]:  # every other person changes their profile once
        change = {"languages": _toggled_language(person["languages"])}
        api.ok("PATCH", "intake", f"/participants/{participant_id}", json=change)
        cohort.updates += 1
    api.ok("POST", "intake", f"/programs/{pid}/status", json={"status": "matching"})
    expected = {
        "expected_leaders": sum(1 for _, p in registered if p["role"] == "leader"),
        "expected_juniors": sum(1 for _, p in registered if p["role"] == "junior"),
    }

    def match_run() -> dict | None:
        response = api.call("POST", "matching", f"/programs/{pid}/match-runs", json=expected)
        if response.status_code == 404 or response.json().get("code") in RETRIED_RUN_CODES:
            return None  # matching has not projected the program or all of its people yet
        if response.status_code not in (200, 201):
            raise AssertionError(f"chaos: match run refused: {response.status_code} {response.text[:500]}")
        return response.json()

    run = wait_until(f"matching's projection of cohort {n}", match_run, 240, 1.0)
    if run["matched_count"]:
        api.ok("POST", "matching", f"/match-runs/{run['match_run_id']}/publish")
    pairings = api.ok("GET", "matching", "/pairings", params={"program_id": pid, "page_size": 200})["items"]
    for pairing in pairings:
        for side in ("leader", "junior"):
            who = (pairing[f"{side}_employee_id"], "participant")
            api.ok("POST", "matching", f"/pairings/{pairing['pairing_id']}/accept", as_=who)
    today = date.today().isoformat()
    for k, pairing in enumerate(pairings):
        url = f"/pairings/{pairing['pairing_id']}"
        leader = (pairing["leader_employee_id"], "participant")
        junior = (pairing["junior_employee_id"], "participant")
        area = body["focus_areas"][k % len(body["focus_areas"])]
        goal = {"area": area, "title": f"Apply {area}", "success_criteria": "One experiment shipped"}
        check_in = {"held_on": today, "duration_minutes": 45, "topics": ["Kick-off"], "shared_notes": "ok"}
        api.once_known("feedback", f"{url}/goals", as_=leader, json=goal)
        api.once_known("feedback", f"{url}/goals", as_=junior, json={"area": "strategy", "title": "Sit in"})
        api.once_known("feedback", f"{url}/check-ins", as_=junior, json=check_in)
    cohort.pairings = pairings
    return cohort


# --------------------------------------------------------------------------------------------------
# counting on the broker


def main_topics(settings: Settings) -> list[str]:
    return [settings.topic(t) for t in TOPICS]


class Broker:
    """Offsets and records as the broker sees them; every call survives a broker restart by retrying."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.options = settings.kafka_client_options

    def _retry(self, what: Callable[[], Any], timeout_s: float = 120) -> Any:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return what()
            except (KafkaError, OSError, AssertionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def end_offsets(self, topics: list[str]) -> dict[TopicPartition, int]:
        def read() -> dict[TopicPartition, int]:
            consumer = KafkaConsumer(**self.options, group_id=None, request_timeout_ms=10000)
            try:
                parts = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
                return consumer.end_offsets(parts)
            finally:
                consumer.close()

        return self._retry(read)

    def produced(self) -> int:
        return sum(self.end_offsets(main_topics(self.settings)).values())

    def lag(self) -> dict[str, int]:
        """Per consumer group: end offset minus committed offset, summed over its topics' partitions."""
        lags = {}
        for group, topics in CONSUMER_GROUPS.items():
            ends = self.end_offsets([self.settings.topic(t) for t in topics])

            def committed(group: str = group) -> dict:
                admin = KafkaAdminClient(**self.options, request_timeout_ms=10000)
                try:
                    name = f"{self.settings.topic_prefix}{group}"
                    return admin.list_group_offsets({name: None})[name]
                finally:
                    admin.close()

            offsets = self._retry(committed)
            lags[group] = sum(end - (offsets[tp].offset if tp in offsets else 0) for tp, end in ends.items())
        return lags

    def records(self, topics: list[str]) -> list:
        ends = {tp: end for tp, end in self.end_offsets(topics).items() if end}
        if not ends:
            return []
        consumer = KafkaConsumer(**self.options, group_id=None, enable_auto_commit=False)
        try:
            consumer.assign(list(ends))
            consumer.seek_to_beginning(*ends)
            out = []
            deadline = time.monotonic() + 120
            while any(consumer.position(tp) < end for tp, end in ends.items()):
                if time.monotonic() > deadline:
                    raise AssertionError("chaos: could not read the topics to their end")
                for batch in consumer.poll(timeout_ms=500).values():
                    out += [r for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)]]
            return out
        finally:
            consumer.close()


# --------------------------------------------------------------------------------------------------
# chaos


@dataclass
class Action:
    at: float  # fraction of the event target produced when it happens
    kind: str  # kill | restart | poison
    target: str

    def __str__(self) -> str:
        return f"{self.kind} {self.target} at {self.at:.1%}"


POISONS = {
    "bad-json": lambda: b'{"specversion": "1.0", "id": ',
    "unknown-type": lambda: make_event("mentoring.nothing.happened.v1", "/chaos", "x", {"a": 1}).to_bytes(),
    "schema-breaking": lambda: make_event(
        "mentoring.participant.registered.v1", "/chaos", "p-x", {"participant_id": 42}
    ).to_bytes(),
}
POISONED_TOPICS = (PARTICIPANTS, PAIRINGS)


def plan(seed: int) -> list[Action]:
    """Every worker killed twice, Kafka and FerretDB restarted once, each poison into each poisoned topic:
    at seeded fractions of the event target (all before 85 %, while the workload still runs)."""
    rng = random.Random(seed)
    actions = [Action(0, "kill", w) for w in WORKERS for _ in range(2)]
    actions += [Action(0, "restart", "kafka"), Action(0, "restart", "ferretdb")]
    actions += [Action(0, "poison", f"{topic}:{name}") for topic in POISONED_TOPICS for name in POISONS]
    for action in actions:
        action.at = round(rng.uniform(0.05, 0.85), 4)
    return sorted(actions, key=lambda a: (a.at, a.kind, a.target))


@dataclass
class Chaos:
    rig: Rig
    gate: Gate
    broker: Broker
    target: int
    actions: list[Action]
    done: list[dict] = field(default_factory=list)
    poisons: list[dict] = field(default_factory=list)
    unexpected_exits: list[dict] = field(default_factory=list)
    error: BaseException | None = None

    def run(self, stop: threading.Event) -> None:
        try:
            pending = list(self.actions)
            while pending and not stop.is_set():
                produced = self.broker.produced()
                while pending and produced >= pending[0].at * self.target:
                    self.act(pending.pop(0), produced)
                self.watch()
                stop.wait(0.5)
        except BaseException as error:  # the driver reports it; the workload stops at its next check
            self.error = error
            ABORT.set()
            log(f"chaos thread failed: {error!r}")

    def watch(self) -> None:
        """A process that exited without being killed is a finding: recorded, then started again."""
        for name, process in self.rig.processes.processes.items():
            if process.poll() is not None:
                tail = (self.rig.processes.log_dir / f"{name}.log").read_text()[-3000:]
                self.unexpected_exits.append({"process": name, "code": process.returncode, "log": tail})
                log(f"UNEXPECTED EXIT of {name} (code {process.returncode}):\n{tail}")
                self.rig.processes.revive(wait=False)

    def act(self, action: Action, produced: int) -> None:
        started = time.monotonic()
        log(f"{action} (events produced: {produced})")
        if action.kind == "kill":
            process = self.rig.processes.processes[action.target]
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            self.rig.processes.revive(wait=False)  # as a supervisor would: at once, ready or not
        elif action.kind == "restart" and action.target == "ferretdb":
            with self.gate.held():
                self.rig.infra.restart("ferretdb")
        elif action.kind == "restart":
            self.rig.infra.restart("kafka")
        else:
            self.poison(*action.target.split(":"))
        self.done.append(
            {
                "action": str(action),
                "events_produced": produced,
                "seconds": round(time.monotonic() - started, 2),
            }
        )

    def poison(self, topic: str, name: str) -> None:
        settings = self.rig.settings["intake"]
        producer = KafkaProducer(**settings.kafka_client_options, acks="all", retries=20)
        try:
            meta = producer.send(settings.topic(topic), POISONS[name](), key=b"chaos-poison").get(timeout=120)
        finally:
            producer.close()
        self.poisons.append(
            {"topic": meta.topic, "partition": meta.partition, "offset": meta.offset, "poison": name}
        )


# --------------------------------------------------------------------------------------------------
# the run


def subscribe(api: Api, rig: Rig) -> None:
    body = {"url": rig.receiver.url, "event_types": list(WEBHOOK_TYPES), "description": "chaos counter"}
    created = api.ok("POST", "notifications", "/webhook-endpoints", as_=("chaos-sync", "service"), json=body)
    rig.receiver.start(created["secret"])


def drive(api: Api, chaos: Chaos, target: int, employees: int, leaders: int, juniors: int) -> list[Cohort]:
    """Cohorts, a few at a time, until the events produced reach the target (the tail of those running and
    of the e-mails and webhooks they cause follows)."""
    organisation = generate_organisation(seed=11, employees=employees)
    api.ok("PUT", "intake", "/orgchart", json=organisation.manager_of, timeout_s=300)
    cohorts: list[Cohort] = []
    started = 0
    with ThreadPoolExecutor(max_workers=PARALLEL_COHORTS) as pool:
        running: list[Future] = []
        while True:
            if chaos.error is not None:
                raise chaos.error
            cohorts += [future.result() for future in running if future.done()]
            running = [future for future in running if not future.done()]
            if chaos.broker.produced() >= target:
                break
            if len(running) < PARALLEL_COHORTS:
                started += 1
                running.append(pool.submit(run_cohort, api, organisation, started, leaders, juniors))
            time.sleep(0.5)
        cohorts += [future.result() for future in running]
    return cohorts


def check(rig: Rig, api: Api, chaos: Chaos, cohorts: list[Cohort], settle_s: float) -> dict:
    """Everything the run should have caused, compared with what the system and the sinks hold."""
    pairings = [p for c in cohorts for p in c.pairings]
    broker = chaos.broker

    def pairing_view() -> list[dict]:
        found = []
        for cohort in cohorts:
            params = {"program_id": cohort.program_id, "page_size": 200}
            found += api.ok("GET", "matching", "/pairings", params=params)["items"]
        return found

    def outcome(cohort: Cohort) -> dict:
        return api.ok("GET", "feedback", f"/programs/{cohort.program_id}/outcomes")

    def deliveries(cohort: Cohort) -> list[dict]:
        items, cursor = [], None
        while True:
            params = {"program_id": cohort.program_id, "channel": "email", "limit": 200, "cursor": cursor}
            page = api.ok("GET", "notifications", "/deliveries", params=params)
            items += page["items"]
            if not (cursor := page["next_cursor"]):
                return items

    expected_mails = Counter({t: n * len(pairings) for t, n in MAILS_PER_PAIRING.items()})

    last: dict = {}

    def settled() -> bool:
        """Lag 0 everywhere, then every expected e-mail sent and webhook taken (what was seen is kept)."""
        chaos.watch()  # a process dying while the system settles is a finding too
        last["lag"] = broker.lag()
        if any(last["lag"].values()):
            log(f"settling: lag {last['lag']}")
            return False
        last["mails"] = [d for c in cohorts for d in deliveries(c)]
        sent = Counter(
            d["template"] for d in last["mails"] if d["status"] == "sent" and d["template"] in expected_mails
        )
        hooks = {e["webhook_id"] for e in rig.receiver.entries() if e.get("processed")}
        log(f"settling: lag 0; sent {dict(sent)}; webhooks {len(hooks)}")
        return sent == expected_mails and len(hooks) >= len(WEBHOOK_TYPES) * len(pairings)

    try:
        wait_until("the system settling (lag 0, every e-mail and webhook)", settled, settle_s, 2.0)
        unsettled = None
    except AssertionError as error:  # reported with everything else below, as a finding
        unsettled = str(error)
        last.setdefault("mails", [d for c in cohorts for d in deliveries(c)])
    final = last
    view = pairing_view()
    reports = [outcome(c) for c in cohorts]
    mails = final["mails"]
    index = rig.sink.index()
    smtp_ids = Counter(entry["message_id"] for entry in index)
    attempts = {email_message_id(d["message_id"]): d["attempts"] for d in mails if d["status"] == "sent"}
    mail_ids = set(attempts)
    entries = rig.receiver.entries()
    processed = Counter(e["webhook_id"] for e in entries if e.get("processed"))
    pairings_topic = broker.records([rig.settings["intake"].topic(PAIRINGS)])
    hook_events = {e["id"] for e in map(envelope, pairings_topic) if e.get("type") in WEBHOOK_TYPES}
    hooked_events = {e.get("event_id") for e in entries if e.get("processed")}
    dlq = dead_letters(rig, broker)
    events = broker.records(main_topics(rig.settings["intake"]))
    ids = Counter(envelope(record).get("id", "(poison)") for record in events)
    leaders = Counter(p["leader_id"] for p in view)
    return {
        "cohorts": len(cohorts),
        "participants_registered": sum(c.participants for c in cohorts),
        "profile_updates": sum(c.updates for c in cohorts),
        "pairings": {
            "published": len(pairings),
            "in_matching": len(view),
            "distinct_ids": len({p["pairing_id"] for p in view}),
            "active": sum(p["state"] == "active" for p in view),
            "leaders_paired_twice": sum(n > 1 for n in leaders.values()),
        },
        "feedback": {
            "pairs_active": sum(r["pairs"]["active"] for r in reports),
            "goals_set": sum(r["goals"]["set"] for r in reports),
            "check_ins": sum(r["check_ins"]["total"] for r in reports),
            "expected_goals": 2 * len(pairings),
            "expected_check_ins": len(pairings),
        },
        "emails": {
            "expected_by_template": dict(expected_mails),
            "sent_deliveries": len(mail_ids),
            "smtp_messages": len(index),
            "smtp_distinct_message_ids": len(smtp_ids),
            # an e-mail sent but not yet recorded when its worker was killed goes again with the same
            # Message-ID (the e-mail channel is idempotent by it): a repeat, never a second e-mail, and
            # never more copies than the attempts notifications recorded
            "smtp_repeats": sum(n - 1 for n in smtp_ids.values()),
            "copies_beyond_recorded_attempts": sum(
                max(0, n - attempts.get(message_id, 0)) for message_id, n in smtp_ids.items()
            ),
            "sent_but_not_at_smtp": len(mail_ids - set(smtp_ids)),
            "at_smtp_but_not_sent": len(set(smtp_ids) - mail_ids),
        },
        "webhooks": {
            "expected": len(hook_events),
            "requests": len(entries),
            "unverified": sum(not e.get("verified") for e in entries),
            "distinct_webhook_ids_processed": len(processed),
            "repeats_answered_as_duplicates": sum(bool(e.get("duplicate")) for e in entries),
            "events_missing": len(hook_events - hooked_events),
            "events_unexpected": len(hooked_events - hook_events),
        },
        "events": {
            "records": len(events),
            "distinct_event_ids": len(ids) - ("(poison)" in ids),
            "republished_records": sum(n - 1 for k, n in ids.items() if k != "(poison)"),
        },
        "consumer_lag": final["lag"],
        "dead_letters": dlq,
        "unsettled": unsettled,
    }


def envelope(record) -> dict:
    """A record's CloudEvent as a dict; {} for what is not one (the injected bad JSON)."""
    try:
        event = json.loads(record.value)
    except (TypeError, ValueError):
        return {}
    return event if isinstance(event, dict) else {}


def dead_letters(rig: Rig, broker: Broker) -> dict:
    """Each group's DLQ of each poisoned topic, against the poison records injected there."""
    settings = rig.settings["intake"]
    out = {}
    for group, topics in CONSUMER_GROUPS.items():
        for topic in topics:
            name = dlq_topic(settings.topic(topic), group)
            records = broker.records([name])
            sources = Counter()
            for record in records:
                headers = {k: v.decode() for k, v in record.headers or []}
                sources[
                    (headers["dlq_topic"], int(headers["dlq_partition"]), int(headers["dlq_offset"]))
                ] += 1
            out[name] = {"records": len(records), "sources": sorted(f"{t}[{p}]@{o}" for t, p, o in sources)}
    return out


def expected_dead_letters(rig: Rig, poisons: list[dict]) -> dict[str, list[str]]:
    settings = rig.settings["intake"]
    out = {}
    for group, topics in CONSUMER_GROUPS.items():
        for topic in topics:
            physical = settings.topic(topic)
            out[dlq_topic(physical, group)] = sorted(
                f"{p['topic']}[{p['partition']}]@{p['offset']}" for p in poisons if p["topic"] == physical
            )
    return out


def findings(result: dict, chaos: Chaos, rig: Rig) -> list[str]:
    """What broke the promises: empty when every effect exists exactly once and nothing is stuck."""
    out = [result["unsettled"]] if result["unsettled"] else []
    p, f, e, w = result["pairings"], result["feedback"], result["emails"], result["webhooks"]
    if not p["published"]:
        out.append("no pairing was published: the run tested nothing")
    if not (p["published"] == p["in_matching"] == p["distinct_ids"] == p["active"]):
        out.append(f"pairings: {p}")
    if p["leaders_paired_twice"]:
        out.append(f"duplicate pairings: {p}")
    expected_feedback = (p["published"], f["expected_goals"], f["expected_check_ins"])
    if (f["pairs_active"], f["goals_set"], f["check_ins"]) != expected_feedback:
        out.append(f"feedback counters: {f}")
    if e["sent_but_not_at_smtp"] or e["at_smtp_but_not_sent"] or e["copies_beyond_recorded_attempts"]:
        out.append(f"e-mails: {e}")
    counted = w["distinct_webhook_ids_processed"] == w["expected"]
    if w["unverified"] or w["events_missing"] or w["events_unexpected"] or not counted:
        out.append(f"webhooks: {w}")
    if any(result["consumer_lag"].values()):
        out.append(f"consumer lag: {result['consumer_lag']}")
    expected = expected_dead_letters(rig, chaos.poisons)
    for name, held in result["dead_letters"].items():
        if sorted(set(held["sources"])) != expected[name]:
            out.append(f"dead letters of {name}: {held['sources']} != injected {expected[name]}")
    if chaos.unexpected_exits:
        exits = [(x["process"], x["code"]) for x in chaos.unexpected_exits]
        out.append(f"processes exited on their own: {exits}")
    if len(chaos.done) != len(chaos.actions):
        out.append(f"only {len(chaos.done)} of {len(chaos.actions)} chaos actions happened")
    return out


def run(workdir: Path, events: int, seed: int, **workload: Any) -> dict:
    """The whole run on a system of its own under ``workdir``."""
    started = time.monotonic()
    with chaos_rig(workdir) as rig:
        log(f"system up in {time.monotonic() - started:.1f} s")
        return run_on(rig, events, seed, **workload)


def run_on(
    rig: Rig, events: int, seed: int, *, employees: int, leaders: int, juniors: int, settle_s: float = 300
) -> dict:
    """The scenario on a running system: workload and chaos, then what the system holds against what it
    should (``findings`` lists every broken promise; empty when none)."""
    actions = plan(seed)
    log(f"seed {seed}; target {events} events; plan: " + "; ".join(map(str, actions)))
    started = time.monotonic()
    gate = Gate()
    api = Api(rig, gate)
    subscribe(api, rig)
    broker = Broker(rig.settings["intake"])
    chaos = Chaos(rig, gate, broker, events, actions)
    stop = threading.Event()
    thread = threading.Thread(target=chaos.run, args=(stop,), name="chaos")
    thread.start()
    ABORT.clear()
    try:
        cohorts = drive(api, chaos, events, employees, leaders, juniors)
        wait_until("every chaos action", lambda: len(chaos.done) == len(actions) or chaos.error, 300, 0.5)
    except BaseException:
        ABORT.set()
        raise
    finally:
        stop.set()
        thread.join(timeout=300)
    if chaos.error is not None:
        raise chaos.error
    log(f"workload done after {time.monotonic() - started:.1f} s: {len(cohorts)} cohorts; settling")
    result = check(rig, api, chaos, cohorts, settle_s)
    result.update(
        seed=seed,
        target_events=events,
        chaos=chaos.done,
        poisons=chaos.poisons,
        unexpected_exits=chaos.unexpected_exits,
        seconds=round(time.monotonic() - started, 1),
    )
    result["findings"] = findings(result, chaos, rig)
    log(f"done in {result['seconds']} s; findings: {result['findings'] or 'none'}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None, help="replay a run (printed at its start)")
    parser.add_argument("--employees", type=int, default=1500)
    parser.add_argument("--leaders", type=int, default=10)
    parser.add_argument("--juniors", type=int, default=12)
    parser.add_argument("--out", type=Path, default=RESULTS / "chaos.json")
    parser.add_argument("--settle-s", type=float, default=900, help="how long the system may take to settle")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    with tempfile.TemporaryDirectory(prefix="chaos-") as workdir:
        result = run(
            Path(workdir),
            args.events,
            seed,
            employees=args.employees,
            leaders=args.leaders,
            juniors=args.juniors,
            settle_s=args.settle_s,
        )
    result["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    result["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(json.dumps(result, indent=2))
    if result["findings"]:
        log(f"FINDINGS (replay with --seed {seed}): " + "\n".join(result["findings"]))
        return 1
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

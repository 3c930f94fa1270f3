"""Part 2: the steady mixed load and where each enrolment e-mail's time goes."""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import requests

from bench.e2e.system import (
    ACTIVE_FOR_CHECK_INS,
    GOAL_P99_MS,
    System,
    cpu_seconds,
    epoch,
    new_program,
    ok,
    pct,
    record_times,
    summary,
)
from bench.intake_bench import participant_body


def span(results: list[dict]) -> float:
    """Seconds from the first request's start to the last one's end."""
    return max(r["sent_at"] + r["ms"] / 1000 for r in results) - min(r["sent_at"] for r in results)


@dataclass(frozen=True)
class Call:
    kind: str
    at: float  # planned start, s after the load began
    send: Callable[[requests.Session], requests.Response]
    key: str = ""


def drive(calls: list[Call], threads: int) -> list[dict]:
    """Open loop: each call starts at its planned time on a pool of keep-alive sessions; ``lag_ms`` is how
    late the driver started it (the driver shares the machine)."""
    results: list[dict] = [{}] * len(calls)
    local = threading.local()

    def one(n: int, call: Call) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        began, wall = time.perf_counter(), time.time()
        try:
            status = call.send(session).status_code
        except requests.RequestException:
            status = 0
        results[n] = {
            "kind": call.kind,
            "key": call.key,
            "status": status,
            "sent_at": wall,
            "ms": (time.perf_counter() - began) * 1000,
            "lag_ms": (began - start - call.at) * 1000,
        }

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for n, call in enumerate(sorted(calls, key=lambda c: c.at)):
            delay = start + call.at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n, call)
    return results


def all_pairings(system: System, program_id: str) -> list[dict]:
    items, page = [], 1
    while True:
        body = ok(
            requests.get(
                f"{system.api('matching')}/pairings",
                headers=system.admin(),
                timeout=60,
                params={"program_id": program_id, "page": page, "page_size": 200},
            ),
            "pairings",
        )
        items += body["items"]
        if page * 200 >= body["total"]:
            return items
        page, _ = page + 1, None


def accept(system: System, pairing: dict, side: str) -> Callable[[requests.Session], requests.Response]:
    url = f"{system.api('matching')}/pairings/{pairing['pairing_id']}/accept"
    headers = system.auth(pairing[f"{side}_employee_id"], "participant")
    return lambda s: s.post(url, headers=headers, timeout=60)


def activate(system: System, pairings: list[dict]) -> None:
    """Both sides accept; then wait until feedback knows each pairing (it takes check-ins from then on)."""
    for pairing in pairings:
        for side in ("leader", "junior"):
            ok(accept(system, pairing, side)(requests.Session()), "accepting")
    deadline = time.monotonic() + 300
    for pairing in pairings:
        url = f"{system.api('feedback')}/pairings/{pairing['pairing_id']}/check-ins"
        headers = system.auth(pairing["junior_employee_id"], "participant")
        while requests.get(url, headers=headers, timeout=30).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"feedback never learnt of pairing {pairing['pairing_id']}")
            time.sleep(0.5)


def plan(
    system: System, program_id: str, pairings: list[dict], rate: float, side_rate: float, duration_s: float
) -> list[Call]:
    """The chain's enrolments at ``rate``; every other endpoint at ``side_rate``, spread between them."""
    intake, matching = system.api("intake"), system.api("matching")
    notifications, feedback = system.api("notifications"), system.api("feedback")
    active, waiting = pairings[:ACTIVE_FOR_CHECK_INS], pairings[ACTIVE_FOR_CHECK_INS:]
    sides = [(p, side) for side in ("leader", "junior") for p in waiting]
    today = date.today().isoformat()
    admin = system.admin()

    def enrol(n: int) -> Callable[[requests.Session], requests.Response]:
        body = {
            **participant_body(program_id, n),
            "display_name": f"Steady {n}",
            "email": f"steady{n}@example.com",
            "locale": "en",
        }
        return lambda s: s.post(f"{intake}/participants", json=body, headers=admin, timeout=60)

    def person(n: int) -> tuple[dict, dict[str, str]]:
        pairing = pairings[n % len(pairings)]
        return pairing, system.auth(pairing["leader_employee_id"], "participant")

    def side_call(kind: str, n: int) -> Callable[[requests.Session], requests.Response]:
        pairing, leader = person(n)
        junior = system.auth(active[n % len(active)]["junior_employee_id"], "participant")
        checkins = f"{feedback}/pairings/{active[n % len(active)]['pairing_id']}/check-ins"
        return {
            "intake GET /programs/{id}": lambda s: s.get(
                f"{intake}/programs/{program_id}", headers=admin, timeout=60
            ),
            "matching GET /pairings/{id}": lambda s: s.get(
                f"{matching}/pairings/{pairing['pairing_id']}", headers=leader, timeout=60
            ),
            "matching POST /pairings/{id}/accept": lambda s: accept(system, *sides[n % len(sides)])(s),
            "notifications GET /me/notifications": lambda s: s.get(
                f"{notifications}/me/notifications", headers=leader, timeout=60
            ),
            "notifications PUT /me/preferences": lambda s: s.put(
                f"{notifications}/me/preferences", json={"digest_hour": n % 24}, headers=leader, timeout=60
            ),
            "feedback GET /pairings/{id}/check-ins": lambda s: s.get(checkins, headers=junior, timeout=60),
            "feedback POST /pairings/{id}/check-ins": lambda s: s.post(
                checkins,
                json={"held_on": today, "duration_minutes": 30, "shared_notes": "e2e"},
                headers=junior,
                timeout=60,
            ),
        }[kind]

    calls = [
        Call("intake POST /participants", n / rate, enrol(n), f"B{n:07d}")
        for n in range(int(rate * duration_s))
    ]
    kinds = (
        "intake GET /programs/{id}",
        "matching GET /pairings/{id}",
        "matching POST /pairings/{id}/accept",
        "notifications GET /me/notifications",
        "notifications PUT /me/preferences",
        "feedback GET /pairings/{id}/check-ins",
        "feedback POST /pairings/{id}/check-ins",
    )
    for k, kind in enumerate(kinds):
        count = int(side_rate * duration_s)
        if kind.endswith("accept"):
            count = min(count, len(sides))
        calls += [Call(kind, (n + k / len(kinds)) / side_rate, side_call(kind, n)) for n in range(count)]
    return calls


def steady_run(
    system: System, processes, rate: float, side_rate: float, duration_s: float, threads: int
) -> dict:
    from shared.contracts import CONTACTS, PAIRINGS, PARTICIPANTS

    program_id = new_program(system, f"e2e steady {uuid.uuid4().hex[:6]}")
    pairings = all_pairings(system, system.facts["program"])
    activate(system, pairings[:ACTIVE_FOR_CHECK_INS])
    calls = plan(system, program_id, pairings, rate, side_rate, duration_s)
    names = {p.pid: name for name, p in processes.processes.items()}
    cpu_before, began = cpu_seconds(names), time.time()
    results = drive(calls, threads)
    ended = time.time()
    enrolled = {
        r["key"]: r for r in results if r["kind"] == "intake POST /participants" and r["status"] == 201
    }
    mails = system.wait_accepted("enrolment_confirmed", program_id, len(enrolled), max(120, 10 * duration_s))
    drained = time.time()
    cpu = {k: round(v - cpu_before.get(k, 0.0), 1) for k, v in cpu_seconds(names).items()}
    topics = [system.settings.topic(t) for t in (PARTICIPANTS, CONTACTS, PAIRINGS)]
    records = record_times(system.settings, topics)
    # an enrolment's e-mail is planned when the later of its registration and contact events arrives (they
    # travel on different topics: services/notifications/service/notify.py, _enrolment)
    last_event: dict[str, float] = {}
    for at, participant_id in records:
        if participant_id:
            last_event[participant_id] = max(at, last_event.get(participant_id, 0.0))
    stages: dict[str, list[float]] = defaultdict(list)
    unmatched: dict[str, int] = defaultdict(int)
    for mail in mails:
        sent = enrolled.get(mail["recipient"])
        accepted, relayed = (
            system.mailbox.accepted[mail["header"]],
            last_event.get(mail.get("participant_id")),
        )
        caused, planned = epoch(mail["caused_at"]), epoch(mail["planned_at"])
        if sent is None or relayed is None:
            unmatched["no request stamp" if sent is None else "no Kafka record of its participant"] += 1
            continue
        stages["1 intake API (request start -> response)"].append(sent["ms"])
        stages["2 request start -> event written (outbox)"].append((caused - sent["sent_at"]) * 1000)
        stages["3 outbox relay (event -> the later Kafka record)"].append((relayed - caused) * 1000)
        stages["4 Kafka -> notifications worker planned the delivery"].append((planned - relayed) * 1000)
        stages["5 planned -> accepted by SMTP (scheduling + send)"].append((accepted - planned) * 1000)
        stages["end to end (request start -> accepted by SMTP)"].append((accepted - sent["sent_at"]) * 1000)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        by_kind[r["kind"]].append(r)
    endpoints = {}
    for kind, rs in sorted(by_kind.items()):
        good = [r["ms"] for r in rs if 200 <= r["status"] < 300]
        endpoints[kind] = {
            "requests": len(rs),
            "ok": len(good),
            "req_per_s": round(len(good) / span(rs), 1),
            **{k: v for k, v in summary(good).items() if k != "n"},
            "p99_ms_from_planned_start": pct(
                [r["lag_ms"] + r["ms"] for r in rs if 200 <= r["status"] < 300], 0.99
            ),
            "error_statuses": sorted({r["status"] for r in rs if not 200 <= r["status"] < 300}),
        }
    window = [at for at, _ in records if began <= at <= ended]
    end_to_end = stages["end to end (request start -> accepted by SMTP)"]
    delivered = {mail["recipient"] for mail in mails}
    missing = [(drained - r["sent_at"]) * 1000 for key, r in enrolled.items() if key not in delivered]
    return {
        "duration_s": duration_s,
        "chain_rate_per_s": rate,
        "other_endpoints_rate_per_s_each": side_rate,
        "driver_threads": threads,
        "driver_lag_ms": summary([r["lag_ms"] for r in results]),
        "kafka_events_per_s_during_load": {
            "participants_contacts_pairings_topics": round(len(window) / (ended - began), 1)
        },
        "endpoints": endpoints,
        "enrolment_emails": {
            "enrolled": len(enrolled),
            "accepted": len(mails),
            "measured": len(end_to_end),
            "drained_s_after_load": round(drained - ended, 1),
        },
        "end_to_end": {
            **summary(end_to_end),
            "goal_p99_ms": GOAL_P99_MS,
            "p99_ms_lower_bound_counting_undelivered": pct(end_to_end + missing, 0.99),
            "met": bool(end_to_end) and not missing and pct(end_to_end, 0.99) <= GOAL_P99_MS,
            "what": "per enrolment: from the start of its POST to the sink's acceptance of its e-mail; an "
            "e-mail not accepted when the drain ended counts as at least that long in the lower bound",
        },
        "unmatched_emails": dict(unmatched),
        "stages": {name: summary(values) for name, values in sorted(stages.items())},
        "cpu_s_during_load_and_drain": dict(sorted(cpu.items(), key=lambda kv: -kv[1])),
        "cpu_window_s": round(drained - began, 1),
    }

"""Feedback: the outcome report of a program with 5,000 pairings and 20 check-ins each, and the check-in
POST under a steady 100 req/s while check-ins accumulate.

The report reads one small row per pairing (the figures each assessment rewrites) in one ``_id`` range,
never the 100,000 check-ins nor the pairings' full records; a check-in POST is a few ``_id`` reads, the
check-in's insert, one compare-and-set of its pairing's counters and health and the rewrite of its row,
so its cost does not grow as check-ins accumulate. The API (gunicorn, ``WEB_CONCURRENCY`` workers) and the
worker (relaying every check-in's event to Kafka, running the scheduler) run as in production. Goals:
report ≤ 1 s; check-in POST p99 ≤ 50 ms at 100 req/s.

Baselines in the same run: the report from every pairing's full record (what it read before the rows),
and the floor of a check-in — the same database calls straight from pymongo at the same pace, no HTTP,
no Flask, no service code.

``python -m bench.feedback`` (infra from KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI, else local processes).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests

from bench.intake_bench import RESULTS, WORKERS, infrastructure, server

PROGRAM = "prog-bench"
START = date(2026, 1, 5)


def seed(db, pairings: int, check_ins: int) -> None:
    """Program, participants, pairings with their counters and outcome rows, and every check-in, written
    as the service writes them (bulk, straight into the database: seeding is not what is measured)."""
    from services.feedback.domain.outcomes import row_of
    from services.feedback.store import uow as names

    db[names.PROGRAMS].insert_one(
        {
            "_id": PROGRAM,
            "program_id": PROGRAM,
            "name": "Bench",
            "status": "running",
            "focus_areas": ["ai-tools"],
            "custom_focus_areas": [],
            "admins": ["E-ADMIN"],
        }
    )
    participants, keys, pairing_docs, rows, sessions = [], [], [], [], []
    for n in range(pairings):
        pid, leader, junior = f"pr-{n:05d}", f"L{n:05d}", f"J{n:05d}"
        for person, role in ((leader, "leader"), (junior, "junior")):
            participants.append(
                {
                    "_id": person,
                    "participant_id": person,
                    "program_id": PROGRAM,
                    "employee_id": f"E-{person}",
                    "role": role,
                    "department": "D",
                    "status": "enrolled",
                }
            )
            keys.append({"_id": f"{PROGRAM}|E-{person}", "participant_id": person})
        held = [START + timedelta(days=7 * k) for k in range(check_ins)]
        acted = n % 3 == 0
        pairing = {
            "_id": pid,
            "pairing_id": pid,
            "program_id": PROGRAM,
            "leader_id": leader,
            "junior_id": junior,
            "state": "active" if n % 10 else "ended",
            "end_kind": None if n % 10 else ("early" if n % 20 else "planned"),
            "activated_on": START.isoformat(),
            "check_ins": check_ins,
            "last_held_on": held[-1].isoformat(),
            "recent_check_ins": [f"c{k:03d}" for k in range(check_ins)][-10:],
            "goals_total": 2,
            "goals_achieved": n % 2,
            "goal_statuses": [{"status": "achieved", "progress": 100}] * (n % 2)
            + [{"status": "in_progress", "progress": 40}] * (2 - n % 2),
            "insights_raised": 1,
            "insights_acknowledged": 1,
            "insights_acted_upon": int(acted),
            "days_to_act": [float(n % 9)] if acted else [],
            "fit_mean": None,
            "at_risk": False,
            "rev": 1,
            "outbox": [],
            "outbox_pending": False,
        }
        pairing_docs.append(pairing)
        rows.append({"_id": f"{PROGRAM}|{pid}", **row_of(pairing)})
        for k, day in enumerate(held):
            sessions.append(
                {
                    "_id": f"{pid}|c{k:03d}",
                    "check_in_id": f"c{k:03d}",
                    "pairing_id": pid,
                    "program_id": PROGRAM,
                    "logged_by": junior,
                    "held_on": day.isoformat(),
                    "duration_minutes": 45,
                    "topics": ["Reels"],
                    "shared_notes": "Notes " * 20,
                    "private_notes": {},
                    "logged_at": datetime.now(UTC),
                    "outbox": [],
                    "outbox_pending": False,
                }
            )
        if len(sessions) >= 5000:
            db[names.CHECK_INS].insert_many(sessions, ordered=False)
            sessions = []
    db[names.PROGRAM_PAIRINGS].insert_one({"_id": PROGRAM, "pairing_ids": [p["_id"] for p in pairing_docs]})
    for name, documents in (
        (names.PARTICIPANTS, participants),
        (names.PARTICIPANT_KEYS, keys),
        (names.PAIRINGS, pairing_docs),
        (names.OUTCOME_ROWS, rows),
        (names.CHECK_INS, sessions),
    ):
        for start in range(0, len(documents), 5000):
            db[name].insert_many(documents[start : start + 5000], ordered=False)


def paced(send, count: int, rate: float, threads: int = 16) -> list[tuple[float, int]]:
    """Open-loop load: request ``i`` starts at ``i / rate`` s whatever the earlier ones do."""
    latencies: list[tuple[float, int]] = [(0.0, 0)] * count
    local = threading.local()

    def one(n: int) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        began = time.perf_counter()
        status = send(session, n).status_code
        latencies[n] = ((time.perf_counter() - began) * 1000, status)

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for n in range(count):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n)
    return latencies


def database_floor(db, writers: list[int], count: int, rate: float) -> list[tuple[float, int]]:
    """The database calls of one check-in POST (4 ``_id`` reads, the insert, the pairing's update and its
    row's rewrite) at the same pace, from pymongo: what the service cannot go below on this server."""
    from services.feedback.store import uow as names

    def send(_session: requests.Session, n: int) -> Any:
        writer = writers[n % len(writers)]
        pid = f"pr-{writer:05d}"
        pairing = db[names.PAIRINGS].find_one({"_id": pid}, {"outbox": 0})
        key = db[names.PARTICIPANT_KEYS].find_one({"_id": f"{PROGRAM}|E-J{writer:05d}"})
        db[names.PARTICIPANTS].find_one({"_id": key["participant_id"]})
        db[names.PROGRAMS].find_one({"_id": PROGRAM})
        record = {"pairing_id": pid, "held_on": date.today().isoformat(), "logged_at": datetime.now(UTC)}
        db[names.CHECK_INS].insert_one({"_id": f"{pid}|floor-{n}", **record})
        db[names.PAIRINGS].update_one({"_id": pid}, {"$inc": {"rev": 1}, "$set": {"at_risk": False}})
        db[names.OUTCOME_ROWS].replace_one({"_id": f"{PROGRAM}|{pid}"}, {"check_ins": pairing["check_ins"]})
        return SimpleNamespace(status_code=201)

    return paced(send, count, rate)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.feedback", description=__doc__.split("\n")[0])
    parser.add_argument("--pairings", type=int, default=5000)
    parser.add_argument("--check-ins", type=int, default=20, help="check-ins per pairing before the load")
    parser.add_argument("--posts", type=int, default=3000, help="check-in POSTs in the paced load")
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    args = parser.parse_args(argv)

    from deploy.local.infra import free_ports
    from shared.auth import dev_token
    from shared.config import Settings
    from shared.mongo import client_for
    from shared.topics import ensure_topics

    tag = uuid.uuid4().hex[:8]
    api_port, worker_port = free_ports(2)
    with infrastructure() as infra, tempfile.TemporaryDirectory(prefix="feedback-bench-") as scratch:
        env = {
            **infra,
            "AUTH_MODE": "dev",
            "DEV_KEYS_DIR": str(Path(scratch) / "keys"),
            "MONGODB_DATABASE": f"bench_feedback_{tag}",
            "TOPIC_PREFIX": f"bench-{tag}.",
            "WEB_CONCURRENCY": str(WORKERS),
            "LOG_LEVEL": "WARNING",
            "PROMETHEUS_MULTIPROC_DIR": str(Path(scratch) / "metrics"),
        }
        settings = Settings.from_env("feedback", env)
        ensure_topics(settings)
        db = client_for(settings)[settings.mongodb_database]
        began = time.perf_counter()
        seed(db, args.pairings, args.check_ins)
        seeded_s = time.perf_counter() - began
        hr = {"Authorization": f"Bearer {dev_token(settings, 'E-HR', ['hr'], ttl_s=7200)}"}
        writers = list(range(1, args.pairings, 10))[
            : max(1, args.posts // 3)
        ]  # active pairings, ~3 posts each
        tokens = {
            n: f"Bearer {dev_token(settings, f'E-J{n:05d}', ['participant'], ttl_s=7200)}" for n in writers
        }
        with (
            server(
                ["-m", "services.feedback", "api"], {**env, "PORT": str(api_port)}, api_port, "/healthz"
            ) as base,
            server(
                ["-m", "services.feedback", "worker"],
                {**env, "METRICS_PORT": str(worker_port)},
                worker_port,
                "/healthz",
            ),
        ):
            report_url = f"{base}/v1/programs/{PROGRAM}/outcomes"
            report_ms = []
            for _ in range(6):
                t = time.perf_counter()
                response = requests.get(report_url, headers=hr, timeout=60)
                report_ms.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.text
            report = response.json()
            in_process_ms = []
            from services.feedback.service.outcomes import figures
            from services.feedback.store import MongoFeedbackUnitOfWork

            uow = MongoFeedbackUnitOfWork(db)
            rows_ms, full_ms = [], []
            for _ in range(5):
                t = time.perf_counter()
                figures(uow, PROGRAM)
                in_process_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                uow.outcomes.of_program(PROGRAM)
                rows_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                uow.pairings.of_program(PROGRAM)  # baseline: every pairing's full record
                full_ms.append((time.perf_counter() - t) * 1000)

            today = date.today().isoformat()

            def post(session: requests.Session, n: int) -> requests.Response:
                writer = writers[n % len(writers)]
                return session.post(
                    f"{base}/v1/pairings/pr-{writer:05d}/check-ins",
                    json={"held_on": today, "duration_minutes": 30, "shared_notes": "bench"},
                    headers={"Authorization": tokens[writer]},
                    timeout=30,
                )

            paced(post, 100, args.rate)  # warm-up
            results = paced(post, args.posts, args.rate)
            after = requests.get(report_url, headers=hr, timeout=60).json()
            floor = [ms for ms, _ in database_floor(db, writers, min(args.posts, 1000), args.rate)]
        ok = [ms for ms, status in results if status == 201]
        errors = sorted({status for _, status in results if status != 201})
        third = len(results) // 3
        segments = [[ms for ms, s in results[i * third : (i + 1) * third] if s == 201] for i in range(3)]
        figures_out = {
            "benchmark": "feedback",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "python": platform.python_version(),
                "cpus": __import__("os").cpu_count(),
                "load_at_start": __import__("os").getloadavg()[0],
            },
            "setup": {
                "pairings": args.pairings,
                "check_ins_seeded": args.pairings * args.check_ins,
                "seed_s": round(seeded_s, 1),
                "api_workers": WORKERS,
                "worker_running": True,
            },
            "outcome_report": {
                "http_ms_median": round(statistics.median(report_ms[1:]), 1),
                "http_ms_each": [round(x, 1) for x in report_ms],
                "build_ms_median": round(statistics.median(in_process_ms), 1),
                "rows_read_ms_median": round(statistics.median(rows_ms), 1),
                "baseline_full_pairings_read_ms_median": round(statistics.median(full_ms), 1),
                "goal_ms": 1000,
                "met": statistics.median(report_ms[1:]) <= 1000,
                "pairs": report["pairs"],
                "check_ins_per_pairing": report["check_ins"]["per_pairing"],
            },
            "check_in_post": {
                "rate_per_s": args.rate,
                "requests": len(results),
                "ok": len(ok),
                "error_statuses": errors,
                "p50_ms": percentile(ok, 0.5),
                "p99_ms": percentile(ok, 0.99),
                "max_ms": round(max(ok), 1),
                "p99_ms_by_third": [percentile(s, 0.99) for s in segments if s],
                "goal_p99_ms": 50,
                "met": percentile(ok, 0.99) <= 50,
                "check_ins_after": after["check_ins"]["total"],
            },
            "check_in_database_floor": {
                "what": "the same database calls from pymongo at the same pace (no HTTP, no service code)",
                "requests": len(floor),
                "p50_ms": percentile(floor, 0.5),
                "p99_ms": percentile(floor, 0.99),
            },
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "feedback.json").write_text(json.dumps(figures_out, indent=2) + "\n")
    print(json.dumps(figures_out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Intake under gunicorn: ``POST /v1/participants`` vs a Flask hello-world, and a 10,000-row CSV import.

Both apps run as separate gunicorn processes with the same settings (``WEB_CONCURRENCY`` workers, gthread,
4 threads) in the same run, loaded from 127.0.0.1 by a bounded client: a fixed number of requests from a
fixed number of threads, each with its own keep-alive ``requests.Session``. The client shares the machine
with the servers, so the hello-world figure is partly client-bound; the ratio is the figure of merit.
Goals: intake ≥ 0.3 x hello-world req/s with p99 ≤ 50 ms; the import of 10,000 rows ≤ 10 s end to end.

As in production, intake's worker (``python -m services.intake worker``, same environment) runs throughout:
it relays every enrolment's and import's events to Kafka and lays reporting lines over the org chart while
the API is under load, on the same machine. Both targets are warmed up first (``WARMUP`` requests each, one
small import); then the load alternates hello-world and intake ``--runs`` times and each figure is the
median over the runs, as is each import time (every import into a fresh program). Every timed run starts
once the worker has relayed everything pending, so no run inherits the previous run's backlog.

``python -m bench.intake_bench`` (infra from KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI, else local processes).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

RESULTS = Path(__file__).parent / "results"
HOST = "127.0.0.1"
WORKERS = 2
THREADS = 4  # what shared.runtime.run_api configures for every service
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
TIMEZONES = ("Europe/Lisbon", "Europe/Berlin", "America/New_York", "Asia/Singapore", "Europe/London")


# -- the hello-world baseline, served exactly like the services ---------------------------------------------


def serve_hello(port: int) -> None:
    """``python -m bench.intake_bench hello PORT``: a one-route Flask app, served like the services."""
    from flask import Flask, jsonify
    from gunicorn.app.base import BaseApplication

    app = Flask("hello")

    @app.get("/")
    def hello() -> Any:
        return jsonify(hello="world")

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{port}")
            self.cfg.set("workers", WORKERS)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", THREADS)
            self.cfg.set("accesslog", None)

        def load(self) -> Any:
            return app

    _Gunicorn().run()


# -- load ---------------------------------------------------------------------------------------------------


def load(send: Callable[[requests.Session, int], requests.Response], count: int, concurrency: int) -> dict:
    """``count`` requests from ``concurrency`` threads; latency per request, throughput over the wall time."""
    local = threading.local()
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        started = time.perf_counter()
        response = send(session, n)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            if response.status_code >= 300:
                errors.append(response.status_code)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(count)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": count,
        "concurrency": concurrency,
        "seconds": round(wall, 3),
        "req_per_s": round(count / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "errors": len(errors),
        "error_statuses": sorted(set(errors)),
    }


# -- data ---------------------------------------------------------------------------------------------------


def participant_body(program_id: str, n: int) -> dict[str, Any]:
    leader = n % 4 == 0
    body: dict[str, Any] = {
        "program_id": program_id,
        "employee_id": f"B{n:07d}",
        "role": "leader" if leader else "junior",
        "level": 10 if leader else 2,
        "department": "Marketing",
        "location": "Lisbon",
        "timezone": TIMEZONES[n % len(TIMEZONES)],
        "languages": ["en", "pt"],
        "availability": [{"day": n % 5, "start": "09:00", "end": "11:00"}],
        "manager_id": f"M{n % 500:06d}",
        "consent": {"matching": True, "data_processing": True},
    }
    if leader:
        body.update(topics_to_learn=["gen-z-consumer-trends"], strengths=["strategy"])
    else:
        body.update(topics_to_teach=["gen-z-consumer-trends", "ai-tools"], growth_goals=["leadership"])
    return body


def people_csv(rows: int, seed: int = 7, prefix: str = "I") -> str:
    """A valid, seeded CSV of ``rows`` people in the importer's format (about one leader in four); employee
    ids are ``prefix`` + 7 digits."""
    from services.intake.domain.importer import COLUMNS
    from services.intake.domain.participants import CONTACT_FIELDS
    from shared.vocabulary import FOCUS_AREAS, GROWTH_GOALS

    rng = random.Random(seed)
    topics, goals = sorted(FOCUS_AREAS), sorted(GROWTH_GOALS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name in COLUMNS if name not in CONTACT_FIELDS])  # the columns filled below
    for number in range(rows):
        leader = number % 4 == 0
        day, start = rng.randrange(5), rng.randrange(8, 15)
        picked = ";".join(rng.sample(topics, 2))
        writer.writerow(
            [
                f"{prefix}{number:07d}",
                "leader" if leader else "junior",
                rng.randint(8, 12) if leader else rng.randint(1, 4),
                rng.choice(("Marketing", "Finance", "Sales")),
                "Lisbon",
                rng.choice(TIMEZONES),
                rng.choice(("en", "en;pt", "en;de")),
                picked if leader else "",
                "" if leader else picked,
                "" if leader else ";".join(rng.sample(goals, 2)),
                ";".join(rng.sample(goals, 2)) if leader else "",
                f"{DAYS[day]} {start:02d}:00-{start + 2:02d}:00",
                "" if leader else rng.randint(1, 3),
                f"{prefix}{rng.randrange(0, max(1, number)):07d}" if number else "",
                "yes",
                "yes",
            ]
        )
    return out.getvalue()


# -- processes ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def infrastructure() -> Iterator[dict[str, str]]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URI"):
        yield {k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI")}
        return
    from deploy.local.infra import LocalInfra

    with tempfile.TemporaryDirectory(prefix="intake-bench-infra-") as run_dir:
        infra = LocalInfra(run_dir, stop_at_exit=True).start()
        try:
            yield dict(infra.env)
        finally:
            infra.stop()


@contextlib.contextmanager
def server(args: list[str], env: dict[str, str], port: int, ready_path: str) -> Iterator[str]:
    """Start a server process (its own session, stopped by pid), wait until ``ready_path`` answers 200."""
    process = subprocess.Popen(
        [sys.executable, *args], env={**os.environ, **env}, start_new_session=True, stderr=subprocess.DEVNULL
    )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + ready_path, timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(args)} did not become ready")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_relayed(db: Any, timeout_s: float = 600) -> float:
    """Block until no document of intake's database holds events the worker has not relayed yet."""
    from shared.events.outbox import PENDING_FLAG

    started = time.perf_counter()
    while True:
        if not any(
            db[name].find_one({PENDING_FLAG: True}, {"_id": 1}) for name in db.list_collection_names()
        ):
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout_s:
            raise SystemExit(f"the intake worker did not relay its outbox within {timeout_s:.0f} s")
        time.sleep(0.2)


def median_of(runs: list[dict]) -> dict:
    """One load figure from several runs: the median of each measure, errors summed."""
    return {
        "requests": runs[0]["requests"],
        "concurrency": runs[0]["concurrency"],
        "runs": len(runs),
        "seconds": round(statistics.median(r["seconds"] for r in runs), 3),
        "req_per_s": round(statistics.median(r["req_per_s"] for r in runs), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
        "errors": sum(r["errors"] for r in runs),
        "error_statuses": sorted({s for r in runs for s in r["error_statuses"]}),
        "each_run": [{k: r[k] for k in ("seconds", "req_per_s", "p50_ms", "p99_ms", "errors")} for r in runs],
    }


# -- the run ------------------------------------------------------------------------------------------------

WARMUP = 200


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_bench", description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", default="bench", choices=("bench", "hello"))
    parser.add_argument("port", nargs="?", type=int)
    parser.add_argument("--requests", type=int, default=3000, help="requests per target")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the import file")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per target (the median is kept)")
    args = parser.parse_args(argv)
    if args.mode == "hello":
        serve_hello(args.port)
        return 0

    from deploy.local.infra import free_ports
    from shared.auth import dev_token
    from shared.config import Settings
    from shared.mongo import client_for
    from shared.topics import ensure_topics

    tag = uuid.uuid4().hex[:8]
    intake_port, hello_port, worker_port = free_ports(3)
    with infrastructure() as infra, tempfile.TemporaryDirectory(prefix="intake-bench-") as scratch:
        env = {
            **infra,
            "AUTH_MODE": "dev",
            "DEV_KEYS_DIR": str(Path(scratch) / "keys"),
            "MONGODB_DATABASE": f"bench_intake_{tag}",
            "TOPIC_PREFIX": f"bench-{tag}.",
            "WEB_CONCURRENCY": str(WORKERS),
            "LOG_LEVEL": "WARNING",
            "PROMETHEUS_MULTIPROC_DIR": str(Path(scratch) / "metrics"),
        }
        settings = Settings.from_env("intake", env)
        ensure_topics(settings)
        admin = {"Authorization": f"Bearer {dev_token(settings, 'E000001', ['admin'], ttl_s=7200)}"}
        hr = {"Authorization": f"Bearer {dev_token(settings, 'E000900', ['hr'], ttl_s=7200)}"}
        db = client_for(settings)[settings.mongodb_database]
        intake_cmd = ["-m", "services.intake", "api"]
        worker_cmd = ["-m", "services.intake", "worker"]
        hello_cmd = ["-m", "bench.intake_bench", "hello", str(hello_port)]
        with (
            server(intake_cmd, {**env, "PORT": str(intake_port)}, intake_port, "/readyz") as intake,
            server(worker_cmd, {**env, "METRICS_PORT": str(worker_port)}, worker_port, "/healthz"),
            server(hello_cmd, env, hello_port, "/") as hello,
        ):

            def new_program(name: str) -> str:
                body = {
                    "name": name,
                    "focus_areas": ["gen-z-consumer-trends", "ai-tools"],
                    "starts_on": "2027-01-10",
                    "ends_on": "2027-06-30",
                }
                created = requests.post(f"{intake}/v1/programs", json=body, headers=admin, timeout=30)
                created.raise_for_status()
                program_id = created.json()["program_id"]
                moved = requests.post(
                    f"{intake}/v1/programs/{program_id}/status",
                    json={"status": "enrolling"},
                    headers=admin,
                    timeout=30,
                )
                moved.raise_for_status()
                return program_id

            program_id = new_program("bench: POST /v1/participants")
            enrolments = args.requests * args.runs
            # As in production (and `make run`), HR uploads the organisation before people enrol. An enrolment
            # writes only its participant document; intake's worker lays reporting lines over the chart later.
            chart: dict[str, str | None] = {f"M{m:06d}": None for m in range(500)}
            for n in [*range(enrolments), *range(10_000_000 - WARMUP, 10_000_000)]:
                chart[f"B{n:07d}"] = f"M{n % 500:06d}"
            requests.put(f"{intake}/v1/orgchart", json=chart, headers=hr, timeout=300).raise_for_status()

            def enrol(session: requests.Session, n: int) -> requests.Response:
                body = participant_body(program_id, n)
                return session.post(f"{intake}/v1/participants", json=body, headers=hr, timeout=30)

            def say_hello(session: requests.Session, _: int) -> requests.Response:
                return session.get(f"{hello}/", timeout=30)

            load(say_hello, WARMUP, args.concurrency)
            load(lambda s, n: enrol(s, 10_000_000 - 1 - n), WARMUP, args.concurrency)
            print(f"org chart and warm-up relayed in {wait_until_relayed(db):.1f} s", flush=True)
            print(f"load: {args.runs} x {args.requests} requests per target, concurrency {args.concurrency}")
            hello_runs, intake_runs = [], []
            for run in range(args.runs):
                wait_until_relayed(db)
                hello_runs.append(load(say_hello, args.requests, args.concurrency))
                print(f"  hello-world           {hello_runs[-1]}", flush=True)
                wait_until_relayed(db)
                offset = run * args.requests
                intake_runs.append(
                    load(lambda s, n, o=offset: enrol(s, o + n), args.requests, args.concurrency)
                )
                print(f"  POST /v1/participants {intake_runs[-1]}", flush=True)
            hello_result, intake_result = median_of(hello_runs), median_of(intake_runs)

            def upload(program: str, text: str) -> tuple[float, dict]:
                wait_until_relayed(db)
                started = time.perf_counter()
                response = requests.post(
                    f"{intake}/v1/programs/{program}/imports",
                    files={"file": ("people.csv", text.encode(), "text/csv")},
                    headers=hr,
                    timeout=300,
                )
                seconds = time.perf_counter() - started
                response.raise_for_status()
                return seconds, response.json()

            upload(new_program("bench: import warm-up"), people_csv(WARMUP, prefix="W"))
            runs: dict[str, list[tuple[float, dict]]] = {"import": [], "reimport": []}
            for run in range(args.runs):
                import_program = new_program(f"bench: {args.rows:,}-row import {run + 1}")
                text = people_csv(args.rows, prefix=f"I{run}")
                for label in ("import", "reimport"):
                    runs[label].append(upload(import_program, text))
                    print(f"  {label:<8} {runs[label][-1][0]:.2f} s", flush=True)
            imports = {}
            for label, timed in runs.items():
                reports = [
                    {
                        "accepted": len(report["accepted"]),
                        "updated": len(report["updated"]),
                        "unchanged": report["unchanged"],
                        "rejected_rows": len({r["row"] for r in report["rejected"]}),
                    }
                    for _, report in timed
                ]
                assert all(r == reports[0] for r in reports), f"{label}: runs differ: {reports}"
                imports[label] = {
                    "rows": args.rows,
                    "bytes": len(people_csv(args.rows, prefix="I0").encode()),
                    "runs": args.runs,
                    "seconds": round(statistics.median(s for s, _ in timed), 2),
                    "each_run_s": [round(s, 2) for s, _ in timed],
                    **reports[0],
                }
                print(f"  {label:<8} {imports[label]}", flush=True)

        client_for(settings).drop_database(settings.mongodb_database)  # the run's data is not kept

    ratio = intake_result["req_per_s"] / hello_result["req_per_s"]
    results = {
        "benchmark": "intake: POST /v1/participants vs Flask hello-world under gunicorn; 10k-row CSV import",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "server": {"gunicorn_workers": WORKERS, "worker_class": "gthread", "threads": THREADS},
        "client": "Python thread pool, one keep-alive requests.Session per thread, 127.0.0.1 only",
        "worker": "python -m services.intake worker running throughout (outbox relay, reporting lines)",
        "timing": f"warm-up, then the median of {args.runs} alternating runs, each from a relayed outbox",
        "orgchart_preloaded": True,
        "hello_world": hello_result,
        "post_participants": intake_result,
        "ratio_req_per_s": round(ratio, 3),
        "import": imports["import"],
        "reimport_same_file": imports["reimport"],
        "goals": {
            "ratio_at_least_0_3": ratio >= 0.3,
            "p99_at_most_50_ms": intake_result["p99_ms"] <= 50,
            "import_at_most_10_s": imports["import"]["seconds"] <= 10,
            "no_errors": intake_result["errors"] == 0 and imports["import"]["rejected_rows"] == 0,
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "intake.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: results[k] for k in ("ratio_req_per_s", "goals")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

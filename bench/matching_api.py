"""Matching API latency: ``POST /v1/programs/{id}/match-runs`` through the Flask app (test client, real auth,
real FerretDB: ``MONGODB_URI`` if set, else a local FerretDB + Kafka started for the run) for 100 x 100,
1,000 x 1,000 and 5,000 x 5,000 cohorts seeded into the projection; median of 3 dry runs, then one real
run (stores the run and its outbox events). ``solver_ms`` is the median solver time of those same dry runs
(the run's own ``timings_s``: candidates + solve + explain), so ``dry_run_ms / solver_ms`` is what the API
adds around the solver (reads, run document, response). The untimed warm-up run also builds the program's
read models from the seeded collections (cohort buckets, the program's org-chart snapshot), as the first
run after data changed does; ``load_1m`` is the machine's load average when timing started.

Run with the other matching benches: ``python -m bench.matching_bench`` (``--no-api`` leaves it out).
"""

from __future__ import annotations

import contextlib
import gc
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime

from shared.demo import demo_program, generate_cohort, generate_organisation

SEED = 2027


@contextlib.contextmanager
def mongo_endpoint():
    """The Mongo-wire server to measure against: ``MONGODB_URI``, else local processes for this run."""
    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"], os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        return
    from deploy.local.infra import LocalInfra

    with tempfile.TemporaryDirectory(prefix="matching-bench-") as run_dir:
        infra = LocalInfra(run_dir, stop_at_exit=True).start()
        try:
            yield infra.mongodb_uri, infra.kafka_bootstrap
        finally:
            infra.stop()


def _ancestors(manager_of: dict, employees) -> dict:
    chart, frontier = {}, set(employees)
    while frontier:
        for e in frontier:
            chart[e] = manager_of.get(e)
        frontier = {m for m in (chart[e] for e in frontier) if m and m not in chart}
    return chart


def _api_seed(program_id: str, leaders: int, juniors: int, charted: set[str]) -> tuple[list, list]:
    """The cohort to seed and the reporting lines above it not seeded yet. The organisation is built
    here and dropped on return: an API process holds none of it, and its ~100k objects would make every
    full pass of the garbage collector during the timed runs rescan them (~0.1 s a run)."""
    org = generate_organisation(seed=SEED, employees=50_000)
    people = generate_cohort(org, program_id, leaders, juniors, seed=SEED)
    chart = _ancestors(org.manager_of, [p["employee_id"] for p in people])
    lines = [(e, m) for e, m in chart.items() if e not in charted]
    charted.update(chart)
    return people, lines


def api_latency(sizes=((100, 100), (1000, 1000), (5000, 5000)), repeats: int = 3) -> dict:
    from services.matching.app import create_app
    from shared.auth import dev_token
    from shared.config import Settings

    out = {}
    with mongo_endpoint() as (mongodb_uri, kafka), tempfile.TemporaryDirectory() as keys:
        env = {
            "MONGODB_URI": mongodb_uri,
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "MONGODB_DATABASE": f"bench_matching_{uuid.uuid4().hex[:8]}",
            "AUTH_MODE": "dev",
            "DEV_KEYS_DIR": keys,
            "LOG_LEVEL": "WARNING",
        }
        settings = Settings.from_env("matching", env)
        app = create_app(settings)
        db = app.extensions["db"]
        client = app.test_client()
        headers = {"Authorization": f"Bearer {dev_token(settings, 'E000001', ['admin'])}"}
        now = datetime.now(UTC)
        charted: set[str] = set()
        try:
            for leaders, juniors in sizes:
                program_id = f"bench-{leaders}x{juniors}"
                people, new_lines = _api_seed(program_id, leaders, juniors, charted)
                db.programs.insert_one({"_id": program_id, **demo_program(program_id), "_event_time": now})
                db.participants.insert_many(
                    [{"_id": p["participant_id"], **p, "_event_time": now} for p in people]
                )
                db.orgchart.insert_many(
                    [{"_id": e, "manager_id": m, "_event_time": now} for e, m in new_lines]
                )
                del people, new_lines
                gc.collect()
                url = f"/v1/programs/{program_id}/match-runs"

                def timed(body: dict, url: str = url) -> tuple[float, float]:
                    """Wall time through the API, and the solver's share reported by the run itself."""
                    started = time.perf_counter()
                    response = client.post(url, json=body, headers=headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 201, response.get_json()
                    return elapsed, 1000 * sum(response.get_json()["timings_s"].values())

                timed({"dry_run": True})  # warm-up (imports, index creation, read models)
                load = os.getloadavg()[0]
                dry = [timed({"dry_run": True}) for _ in range(repeats)]
                real, _ = timed({"dry_run": False})
                key = f"{leaders}x{juniors}"
                wall, solver = statistics.median(t for t, _ in dry), statistics.median(s for _, s in dry)
                out[key] = {
                    "dry_run_ms": round(wall, 1),
                    "solver_ms": round(solver, 1),
                    "dry_run_over_solver": round(wall / solver, 2),
                    "run_ms": round(real, 1),
                    "load_1m": round(load, 2),
                }
                print(f"API {key}: dry run {out[key]['dry_run_ms']} ms (median of {repeats}; solver "
                      f"{out[key]['solver_ms']} ms), run {out[key]['run_ms']} ms", flush=True)  # fmt: skip
        finally:
            db.client.drop_database(db.name)
    return out

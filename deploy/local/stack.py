"""``make run``: the whole system on this machine — Kafka, FerretDB, four APIs, four workers, demo data.

Ctrl-C stops everything this script started (the services via honcho, then Kafka and FerretDB).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from deploy.local.infra import LocalInfra, port_free  # noqa: E402
from services.intake.domain.participants import REGISTRATION_FIELDS  # noqa: E402

SERVICES = {"intake": 8001, "matching": 8002, "notifications": 8003, "feedback": 8004}
RUN_DIR = REPO / ".run"


def _port(preferred: int) -> int | None:
    return preferred if port_free(preferred) else None


def _procfile(env: dict[str, str]) -> Path:
    """API + worker per service; each pair shares a fresh metrics directory so the API's /metrics
    also shows its worker's event counters (in Kubernetes they are separate pods, scraped separately)."""
    lines = []
    for index, (service, port) in enumerate(SERVICES.items(), start=1):
        python = f"{sys.executable} -m services.{service}"
        metrics_dir = RUN_DIR / "metrics" / service
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        shared_env = f"env PROMETHEUS_MULTIPROC_DIR={metrics_dir}"
        lines.append(f"{service}-api: {shared_env} PORT={port} {python} api")
        lines.append(f"{service}-worker: {shared_env} METRICS_PORT={9100 + index} {python} worker")
    path = RUN_DIR / "Procfile"
    path.write_text("\n".join(lines) + "\n")
    (RUN_DIR / "stack.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return path


def _wait_healthy(timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    pending = dict(SERVICES)
    while pending and time.monotonic() < deadline:
        for service, port in list(pending.items()):
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    pending.pop(service)
            except requests.RequestException:
                pass
        time.sleep(0.5)
    if pending:
        raise SystemExit(
            f"services not ready after {timeout_s:.0f} s: {', '.join(pending)} (see the log above)"
        )


def _load_demo(env: dict[str, str]) -> str:
    """Upload the demo organisation's org chart and enrol a seeded cohort through intake's public API."""
    from shared.auth import dev_token
    from shared.config import Settings
    from shared.demo import demo_program, generate_cohort, generate_organisation

    settings = Settings.from_env("intake", {**env, "AUTH_MODE": "dev"})
    base = f"http://127.0.0.1:{SERVICES['intake']}/v1"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {dev_token(settings, 'E000001', ['admin', 'hr'])}"
    program = demo_program("demo")
    body = {k: program[k] for k in ("name", "focus_areas", "custom_focus_areas", "starts_on", "ends_on")}
    body.update(admins=["E000001"], rules={k: v for k, v in program["rules"].items() if v != []})
    created = session.post(f"{base}/programs", json=body, timeout=10)
    if created.status_code != 201:
        raise SystemExit(f"demo program refused: {created.status_code} {created.text}")
    program_id = created.json()["program_id"]
    session.post(
        f"{base}/programs/{program_id}/status", json={"status": "enrolling"}, timeout=10
    ).raise_for_status()
    organisation = generate_organisation(seed=7, employees=2000)
    # HR uploads the whole organisation first, so matching knows every reporting line before anyone enrols.
    chart = session.put(f"{base}/orgchart", json=organisation.manager_of, timeout=120)
    chart.raise_for_status()
    lines = chart.json()
    print(
        f"demo: org chart of {lines['employees']} employees uploaded "
        f"({lines['upserted']} reporting lines published, {len(lines['problems'])} problems)",
        flush=True,
    )
    enrolled = 0
    for participant in generate_cohort(organisation, program_id, leaders=40, juniors=60, seed=7):
        if not all(participant["consent"].values()):
            continue  # the generator models the few who decline; intake would rightly refuse them
        payload = {k: participant[k] for k in REGISTRATION_FIELDS if participant.get(k) is not None}
        if payload["role"] == "leader":
            payload.pop("capacity", None)
        response = session.post(
            f"{base}/participants", json={**payload, "program_id": program_id}, timeout=10
        )
        if response.status_code == 201:
            enrolled += 1
        else:
            print(f"demo participant refused: {response.status_code} {response.text[:200]}", flush=True)
    print(f"demo: program {program_id} with {enrolled} participants enrolled", flush=True)
    return program_id


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    from shared.config import Settings
    from shared.topics import ensure_topics

    # Ctrl-C, or SIGTERM from a supervisor, even when started in the background with SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)

    RUN_DIR.mkdir(exist_ok=True)
    infra = LocalInfra(RUN_DIR / "infra", kafka_port=_port(9092), mongo_port=_port(27017))
    print("starting Kafka (KRaft) and FerretDB …", flush=True)
    infra.start()
    env = {
        **infra.env,
        "AUTH_MODE": "dev",
        "DEV_KEYS_DIR": str(RUN_DIR / "dev-keys"),
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "INFO",
    }
    honcho = None
    try:
        ensure_topics(Settings.from_env("intake", env))
        procfile = _procfile(env)
        honcho = subprocess.Popen(
            [str(Path(sys.executable).with_name("honcho")), "-f", str(procfile), "-d", str(REPO), "start"],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        _wait_healthy()
        program_id = _load_demo(env)
        kafka = env["KAFKA_BOOTSTRAP_SERVERS"]
        print(
            "\n=== reverse-mentoring is running ===\n"
            + "".join(
                f"  {s:<14} http://127.0.0.1:{p}/docs   /healthz /readyz /metrics /openapi.json\n"
                for s, p in SERVICES.items()
            )
            + f"  Kafka          {kafka}   e.g. kcat -b {kafka} -C -t mentoring.participants.v1\n"
            + f"  MongoDB wire   {env['MONGODB_URI']}\n"
            + f"  demo program   {program_id}\n"
            + "  token          .venv/bin/python -m shared.auth dev-token --role admin --sub E000001"
            + f"  (with DEV_KEYS_DIR={env['DEV_KEYS_DIR']})\n"
            + "Ctrl-C stops everything.\n",
            flush=True,
        )
        honcho.wait()
    except KeyboardInterrupt:
        print("\nstopping …", flush=True)
    finally:
        if honcho is not None and honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGTERM)
            try:
                honcho.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
        infra.stop()
        print("stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

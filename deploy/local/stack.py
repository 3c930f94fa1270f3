"""``make run``: the whole system on this machine — Kafka, FerretDB, four APIs, four workers, demo data.

Ctrl-C stops everything this script started (the services, then Kafka and FerretDB). A service process
that dies is named and restarted; one that keeps dying stops the stack with exit code 1
(``deploy/local/supervisor.py``). Starting again reuses the demo program loaded by an earlier start.

Extension points: ``DEMO_LOADERS`` (each loads one part of the demo and returns lines to print) and
``WHERE_TO_LOOK`` (each returns a "where to look" line for the banner, or None).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from deploy.local.infra import LocalInfra, port_free  # noqa: E402
from deploy.local.supervisor import Program, Supervisor  # noqa: E402
from services.intake.domain.participants import REGISTRATION_FIELDS  # noqa: E402

SERVICES = {"intake": 8001, "matching": 8002, "notifications": 8003, "feedback": 8004}
RUN_DIR = REPO / ".run"


def _port(preferred: int) -> int | None:
    return preferred if port_free(preferred) else None


def _programs() -> dict[str, Program]:
    """API + worker per service; each pair shares a fresh metrics directory so the API's /metrics
    also shows its worker's event counters (in Kubernetes they are separate pods, scraped separately)."""
    programs = {}
    for index, (service, port) in enumerate(SERVICES.items(), start=1):
        argv = [sys.executable, "-m", f"services.{service}"]
        metrics_dir = RUN_DIR / "metrics" / service
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        shared_env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        programs[f"{service}-api"] = Program([*argv, "api"], {**shared_env, "PORT": str(port)})
        programs[f"{service}-worker"] = Program(
            [*argv, "worker"], {**shared_env, "METRICS_PORT": str(9100 + index)}
        )
    return programs


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


@dataclass
class Demo:
    """What a demo loader gets: the stack's environment and a token maker for the services' APIs."""

    env: dict[str, str]
    intake_url: str

    def session(self, *roles: str, subject: str = "E000001") -> requests.Session:
        from shared.auth import dev_token
        from shared.config import Settings

        settings = Settings.from_env("intake", {**self.env, "AUTH_MODE": "dev"})
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {dev_token(settings, subject, list(roles))}"
        return session


def existing_program(session: requests.Session, base: str, name: str) -> str | None:
    """The id of a program called ``name`` (the one an earlier ``make run`` created), else None."""
    page = 1
    while True:
        listed = session.get(f"{base}/programs", params={"page": page, "page_size": 100}, timeout=10)
        listed.raise_for_status()
        body = listed.json()
        found = next((p["program_id"] for p in body["items"] if p["name"] == name), None)
        if found or page * 100 >= body["total"]:
            return found
        page += 1


@dataclass
class Loaded:
    """What a demo loader did (lines to print) and what the banner may show (``facts``)."""

    lines: list[str]
    program_id: str

    @property
    def facts(self) -> dict[str, str]:
        return {"program": self.program_id}


def load_intake_demo(demo: Demo, employees: int = 2000, leaders: int = 40, juniors: int = 60) -> Loaded:
    """The demo organisation's org chart and a seeded cohort through intake's public API, once: a program
    of the demo's name from an earlier start is reused as it is."""
    from shared.demo import demo_program, generate_cohort, generate_organisation

    base = f"{demo.intake_url}/v1"
    session = demo.session("admin", "hr")
    program = demo_program("demo")
    found = existing_program(session, base, program["name"])
    if found:
        return Loaded([f"demo: program {found} from an earlier start reused (nothing loaded again)"], found)
    body = {k: program[k] for k in ("name", "focus_areas", "custom_focus_areas", "starts_on", "ends_on")}
    body.update(admins=["E000001"], rules={k: v for k, v in program["rules"].items() if v != []})
    created = session.post(f"{base}/programs", json=body, timeout=10)
    if created.status_code != 201:
        raise SystemExit(f"demo program refused: {created.status_code} {created.text}")
    program_id = created.json()["program_id"]
    session.post(
        f"{base}/programs/{program_id}/status", json={"status": "enrolling"}, timeout=10
    ).raise_for_status()
    organisation = generate_organisation(seed=7, employees=employees)
    # HR uploads the whole organisation first, so matching knows every reporting line before anyone enrols.
    chart = session.put(f"{base}/orgchart", json=organisation.manager_of, timeout=120)
    chart.raise_for_status()
    lines = chart.json()
    out = [
        f"demo: org chart of {lines['employees']} employees uploaded "
        f"({lines['upserted']} reporting lines published, {len(lines['problems'])} problems)"
    ]
    enrolled = 0
    for participant in generate_cohort(organisation, program_id, leaders=leaders, juniors=juniors, seed=7):
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
            out.append(f"demo participant refused: {response.status_code} {response.text[:200]}")
    return Loaded([*out, f"demo: program {program_id} with {enrolled} participants enrolled"], program_id)


# Each loads one part of the demo (once: a loader reuses what an earlier start loaded) and returns what it
# did: lines to print and facts for WHERE_TO_LOOK (any object with ``lines`` and ``facts``). Feedback's demo
# data will be one more entry.
DEMO_LOADERS: list[Callable[[Demo], Loaded]] = [load_intake_demo]


def _kafka_line(env: dict[str, str], facts: dict[str, str]) -> str | None:
    kafka = env["KAFKA_BOOTSTRAP_SERVERS"]
    return f"Kafka          {kafka}   e.g. kcat -b {kafka} -C -t mentoring.participants.v1"


# Lines of the banner after the services' URLs: each gets the stack's environment and the demo loaders'
# ``key=value`` facts and returns a line or None. The SMTP sink's mailbox will be one more entry.
WHERE_TO_LOOK: list[Callable[[dict[str, str], dict[str, str]], str | None]] = [
    _kafka_line,
    lambda env, facts: f"MongoDB wire   {env['MONGODB_URI']}",
    lambda env, facts: f"demo program   {facts['program']}" if "program" in facts else None,
    lambda env, facts: (
        "token          .venv/bin/python -m shared.auth dev-token --role admin --role hr "
        f"--sub E000001  (with DEV_KEYS_DIR={env['DEV_KEYS_DIR']}; --role repeats)"
    ),
    lambda env, facts: "guide          docs/guide/README.md",
]


def _load_demo(env: dict[str, str]) -> dict[str, str]:
    demo = Demo(env, f"http://127.0.0.1:{SERVICES['intake']}")
    facts: dict[str, str] = {}
    for loader in DEMO_LOADERS:
        loaded = loader(demo)
        for line in loaded.lines:
            print(line, flush=True)
        facts.update(loaded.facts)
    return facts


def _banner(env: dict[str, str], facts: dict[str, str]) -> str:
    services = "".join(
        f"  {s:<14} http://127.0.0.1:{p}/docs   /healthz /readyz /metrics /openapi.json\n"
        for s, p in SERVICES.items()
    )
    extra = [line for look in WHERE_TO_LOOK if (line := look(env, facts))]
    return (
        "\n=== reverse-mentoring is running ===\n"
        + services
        + "".join(f"  {line}\n" for line in extra)
        + "A process that dies is named and restarted. Ctrl-C stops everything.\n"
    )


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
    supervisor = None
    code = 0
    try:
        ensure_topics(Settings.from_env("intake", env))
        supervisor = Supervisor(_programs(), cwd=REPO, env={**os.environ, **env, "PYTHONUNBUFFERED": "1"})
        supervisor.start()
        _wait_healthy()
        print(_banner(env, _load_demo(env)), flush=True)
        code = supervisor.watch()
    except KeyboardInterrupt:
        print("\nstopping …", flush=True)
    finally:
        if supervisor is not None:
            supervisor.stop()
        infra.stop()
        if supervisor is not None and supervisor.failure:
            print(f"stopped with an error: {supervisor.failure}", flush=True)
        else:
            print("stopped.", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())

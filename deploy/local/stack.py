"""``make run``: the whole system on this machine — Kafka, FerretDB, four APIs, four workers, demo data.

Ctrl-C stops everything this script started (the services, then Kafka and FerretDB). A service process
that dies is named and restarted; one that keeps dying stops the stack with exit code 1
(``deploy/local/supervisor.py``). Starting again reuses the demo program loaded by an earlier start.

Extension points: ``DEMO_LOADERS`` (each loads one part of the demo and returns lines to print) and
``WHERE_TO_LOOK`` (each returns a "where to look" line for the banner, or None).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from deploy.local.demo import (  # noqa: E402
    Demo,
    Loaded,
    load_feedback_demo,
    load_intake_demo,
    load_pairings_demo,
)
from deploy.local.infra import LocalInfra, port_free  # noqa: E402
from deploy.local.supervisor import Program, Supervisor  # noqa: E402

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


# Each loads one part of the demo, in this order (once: a loader reuses what an earlier start loaded), and
# returns what it did: lines to print and facts for the loaders after it and for WHERE_TO_LOOK.
DEMO_LOADERS: list[Callable[[Demo], Loaded]] = [load_intake_demo, load_pairings_demo, load_feedback_demo]


def _kafka_line(env: dict[str, str], facts: dict[str, str]) -> str | None:
    kafka = env["KAFKA_BOOTSTRAP_SERVERS"]
    return f"Kafka          {kafka}   e.g. kcat -b {kafka} -C -t mentoring.participants.v1"


def _mailbox_line(env: dict[str, str], facts: dict[str, str]) -> str | None:
    box = env["SMTP_MAILBOX_DIR"]
    return (
        f"e-mail         every mail the notifications worker sends is kept by the SMTP sink on "
        f"{env['SMTP_HOST']}:{env['SMTP_PORT']}\n"
        f"                 in {box}: one .eml per Message-ID (open it in any mail client), listed in\n"
        f"                 index.jsonl (e.g. jq -c '{{to, subject}}' {box}/index.jsonl)"
    )


def _notifications_line(env: dict[str, str], facts: dict[str, str]) -> str | None:
    api = f"http://127.0.0.1:{SERVICES['notifications']}/v1"
    person = facts.get("participant", "<employee id>")
    return (
        f"inbox          {api}/me/notifications  (a participant's token: --role participant --sub {person})\n"
        f"  deliveries     {api}/deliveries?program_id={facts.get('program', '<program id>')}  (admin token)"
    )


# Lines of the banner after the services' URLs: each gets the stack's environment and the demo loaders'
# facts and returns a line or None.
WHERE_TO_LOOK: list[Callable[[dict[str, str], dict[str, str]], str | None]] = [
    _kafka_line,
    lambda env, facts: f"MongoDB wire   {env['MONGODB_URI']}",
    lambda env, facts: f"demo program   {facts['program']}" if "program" in facts else None,
    lambda env, facts: (
        f"outcome report {facts['report']}  (admin token; ?format=csv for the CSV)"
        if "report" in facts
        else None
    ),
    _mailbox_line,
    _notifications_line,
    lambda env, facts: (
        "token          .venv/bin/python -m shared.auth dev-token --role admin --role hr "
        f"--sub E000001  (with DEV_KEYS_DIR={env['DEV_KEYS_DIR']}; --role repeats)"
    ),
    lambda env, facts: "guide          docs/guide/README.md",
]


def _load_demo(env: dict[str, str]) -> dict[str, str]:
    started = time.monotonic()
    demo = Demo(env, {service: f"http://127.0.0.1:{port}" for service, port in SERVICES.items()})
    for loader in DEMO_LOADERS:
        step = time.monotonic()
        loaded = loader(demo)
        for line in loaded.lines:
            print(line, flush=True)
        print(f"demo: {loader.__name__} took {time.monotonic() - step:.1f} s", flush=True)
        demo.facts.update(loaded.facts)
    print(f"demo: ready in {time.monotonic() - started:.1f} s", flush=True)
    return demo.facts


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


def _unsubscribe_secret() -> str:
    """One-click unsubscribe links' key, kept in ``.run`` so the links in earlier demo mails keep working."""
    path = RUN_DIR / "unsubscribe-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    from shared.config import Settings
    from shared.topics import ensure_topics

    # Ctrl-C, or SIGTERM from a supervisor, even when started in the background with SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)

    RUN_DIR.mkdir(exist_ok=True)
    infra = LocalInfra(
        RUN_DIR / "infra", kafka_port=_port(9092), mongo_port=_port(27017), smtp_port=_port(2525)
    )
    print("starting Kafka (KRaft), FerretDB and the SMTP sink …", flush=True)
    infra.start()
    env = {
        **infra.env,
        "AUTH_MODE": "dev",
        "DEV_KEYS_DIR": str(RUN_DIR / "dev-keys"),
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "INFO",
        # notifications: e-mail goes to the SMTP sink (SMTP_* from infra.env); List-Unsubscribe points at
        # this machine's API (one-click links signed with a local key); subscriber webhooks may target
        # receivers on this machine
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{SERVICES['notifications']}",
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "UNSUBSCRIBE_SECRET": _unsubscribe_secret(),
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

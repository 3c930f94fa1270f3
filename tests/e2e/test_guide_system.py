"""What the guide promises of the running system: interactive docs every browser renders, problem+json even
for what the HTTP server refuses itself, worker readiness, the import's limit and template, and a
``make run`` that loads its demo once and restarts a process that dies."""

from __future__ import annotations

import functools
import io
import json
import os
import re
import signal
import socket
import sys
import threading
from collections import Counter

import pytest
import requests

from deploy.local.demo import (
    Demo,
    existing_program,
    load_feedback_demo,
    load_intake_demo,
    load_pairings_demo,
)
from deploy.local.supervisor import Program, Supervisor
from services.notifications.domain.delivery import email_message_id
from shared.auth import dev_token
from shared.config import SERVICES
from shared.demo import generate_organisation
from shared.runtime import LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE
from tests.support.chromium import rendered_dom
from tests.support.harness import topics_ready, wait_for
from tests.support.processes import REPO, free_port

pytestmark = pytest.mark.e2e
PROBLEM = "application/problem+json"


def _raw(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status, headers, body


def test_every_service_docs_page_renders_its_operations_in_a_headless_browser(system):
    for service in SERVICES:
        spec = requests.get(f"{system.api_url(service)}/openapi.json", timeout=10).json()
        expected = {
            (method.upper(), path)
            for path, ops in spec["paths"].items()
            for method in ops
            if method in ("get", "post", "put", "patch", "delete")
        }
        dom = rendered_dom(f"{system.api_url(service)}/docs")
        shown = set(
            re.findall(
                r'opblock-summary-method">(\w+)</span>.*?data-path="([^"]+)"', dom.replace("\n", " "), re.S
            )
        )
        assert expected and shown == expected, (service, expected ^ shown)


def test_what_the_http_server_refuses_itself_is_problem_json(system):
    port = system.api_ports["intake"]
    long_line = b"GET /v1/programs?x=" + b"a" * (LIMIT_REQUEST_LINE + 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    status, headers, body = _raw(port, long_line)
    assert status.startswith("HTTP/1.1 414") and headers["content-type"] == PROBLEM
    assert json.loads(body)["status"] == 414
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(LIMIT_REQUEST_FIELDS + 5))
    status, headers, body = _raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert status.startswith("HTTP/1.1 431") and headers["content-type"] == PROBLEM
    status, headers, _ = _raw(port, b"BR@KEN\r\n\r\n")
    assert status.startswith("HTTP/1.1 400") and headers["content-type"] == PROBLEM


def test_worker_ports_answer_readiness_with_their_checks(system):
    for service in ("intake", "matching"):
        ready = requests.get(f"{system.worker_url(service)}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"mongodb": "ok", "kafka": "ok"}
        missing = requests.get(f"{system.worker_url(service)}/nowhere", timeout=10)
        assert missing.status_code == 404 and missing.headers["Content-Type"] == PROBLEM


def test_the_import_template_imports_as_it_is_and_an_oversized_import_states_its_own_limit(
    system,
):
    settings = system.settings["intake"]
    base = f"{system.api_url('intake')}/v1"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {dev_token(settings, 'E000001', ['admin', 'hr'])}"
    body = {
        "name": "Template",
        "focus_areas": ["ai-tools"],
        "starts_on": "2027-01-04",
        "ends_on": "2027-03-01",
    }
    program_id = session.post(f"{base}/programs", json=body, timeout=10).json()["program_id"]
    session.post(f"{base}/programs/{program_id}/status", json={"status": "enrolling"}, timeout=10)
    template = session.get(f"{base}/programs/{program_id}/imports/template.csv", timeout=10)
    assert template.status_code == 200 and template.headers["Content-Type"].startswith("text/csv")
    report = session.post(
        f"{base}/programs/{program_id}/imports", files={"file": ("t.csv", template.content)}, timeout=30
    ).json()
    assert len(report["accepted"]) == 2 and report["rejected"] == [], report
    big = io.BytesIO(b"employee_id,role\n" + b"E000001,leader\n" * (21 * 2**20 // 15))
    refused = session.post(
        f"{base}/programs/{program_id}/imports", files={"file": ("big.csv", big)}, timeout=60
    )
    assert refused.status_code == 413 and refused.headers["Content-Type"] == PROBLEM
    assert "20971520 bytes (20 MiB)" in refused.json()["detail"]


def _deliveries(admin: requests.Session, url: str, program_id: str) -> list[dict]:
    items, cursor = [], None
    while True:
        params = {"program_id": program_id, "channel": "email", "limit": 200, "cursor": cursor}
        page = admin.get(f"{url}/v1/deliveries", params=params, timeout=10).json()
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def test_make_run_demo_mails_its_pairs_fills_the_outcome_report_and_a_second_start_adds_nothing(
    system, mailbox
):
    settings = system.settings["intake"]
    demo = Demo({"DEV_KEYS_DIR": settings.dev_keys_dir}, {s: system.api_url(s) for s in SERVICES})
    small = functools.partial(load_intake_demo, employees=80, leaders=3, juniors=8)

    def start() -> dict[str, str]:
        demo.facts = {}
        for loader in (small, load_pairings_demo, load_feedback_demo):
            demo.facts.update(loader(demo).facts)
        return demo.facts

    first = start()
    program_id = first["program"]
    admin = demo.session("admin")
    pairings = admin.get(
        f"{demo.api('matching')}/pairings", params={"program_id": program_id, "page_size": 200}, timeout=10
    ).json()["items"]
    assert pairings and {p["state"] for p in pairings} == {"active"}

    report_url = f"{demo.api('feedback')}/programs/{program_id}/outcomes"

    def reported() -> dict | None:
        """The report once feedback has counted what the demo wrote (its counters follow the events)."""
        r = admin.get(report_url, timeout=10).json()
        counted = (r["pairs"]["active"], r["goals"]["set"], r["check_ins"]["total"], len(r["pulse"]))
        return r if counted == (len(pairings), 2 * len(pairings), 2 * len(pairings), 1) else None

    report = wait_for(reported, timeout_s=60)
    assert first["report"] == f"{system.api_url('feedback')}/v1/programs/{program_id}/outcomes"
    assert report["goals"]["achieved"] >= 1
    assert report["insights"] == {**report["insights"], "raised": 1, "acknowledged": 1, "acted_upon": 1}
    (pulse,) = report["pulse"]
    assert pulse["released"] and pulse["responses"] >= pulse["k"] == 5

    # Each side of each published pairing got its "you have a match" e-mail in the sink, once; then the
    # acceptance, the start and the insight acted upon (those the demo can count) were sent too.
    expected = {"pairing_published": 2 * len(pairings), "pairing_accepted": len(pairings),
                "pairing_activated": 2 * len(pairings), "insight_acted_upon": 1}  # fmt: skip
    notifications = system.api_url("notifications")

    def sent() -> list[dict]:
        found = [d for d in _deliveries(admin, notifications, program_id) if d["template"] in expected]
        counts = Counter(d["template"] for d in found if d["status"] == "sent")
        return found if counts == expected else []

    mails = wait_for(sent, timeout_s=60)
    published = [m for m in mails if m["template"] == "pairing_published"]
    assert {m["recipient"] for m in published} == {
        p[f"{side}_employee_id"] for p in pairings for side in ("leader", "junior")
    }
    organisation = generate_organisation(seed=7, employees=80)
    index = mailbox.index()
    for mail in published:
        stored = [entry for entry in index if entry["message_id"] == email_message_id(mail["message_id"])]
        assert [entry["to"] for entry in stored] == [[organisation.contact_of(mail["recipient"])["email"]]]

    # A second start finds every step done: nothing is created, published, answered or sent again.
    again = start()
    assert again["program"] == program_id
    listed = admin.get(f"{demo.api('intake')}/programs", params={"page_size": 100}, timeout=10).json()
    assert [p["name"] for p in listed["items"]].count("Global Reverse Mentoring 2027") == 1
    assert existing_program(admin, demo.api("intake"), "no such program") is None
    pairings_again = admin.get(
        f"{demo.api('matching')}/pairings", params={"program_id": program_id, "page_size": 200}, timeout=10
    ).json()["items"]
    assert pairings_again == pairings
    assert admin.get(report_url, timeout=10).json() == report
    pulses = admin.get(f"{demo.api('feedback')}/programs/{program_id}/pulses", timeout=10).json()["items"]
    assert len(pulses) == 1
    assert sent() == mails
    message_ids = [entry["message_id"] for entry in mailbox.index()]
    assert all(message_ids.count(email_message_id(m["message_id"])) == 1 for m in mails)


def test_make_run_names_a_killed_worker_with_its_exit_code_and_restarts_it(settings_for, tmp_path):
    settings = settings_for("intake")
    topics_ready(settings)
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MONGODB_URI": settings.mongodb_uri,
        "MONGODB_DATABASE": settings.mongodb_database,
        "TOPIC_PREFIX": settings.topic_prefix,
        "AUTH_MODE": "dev",
        "DEV_KEYS_DIR": settings.dev_keys_dir,
        "LOG_LEVEL": "WARNING",
        "METRICS_PORT": str(port),
    }
    said: list[str] = []
    worker = Program([sys.executable, "-m", "services.intake", "worker"])
    supervisor = Supervisor(
        {"intake-worker": worker}, cwd=REPO, env=env, say=said.append, restart_delay_s=0.2
    )
    supervisor.start()
    url = f"http://127.0.0.1:{port}/readyz"

    def ready() -> bool:
        try:
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    watcher = threading.Thread(target=supervisor.watch, kwargs={"poll_s": 0.1})
    watcher.start()
    try:
        wait_for(ready, timeout_s=60)
        killed = supervisor.processes["intake-worker"]
        os.kill(killed.pid, signal.SIGKILL)
        wait_for(lambda: supervisor.processes["intake-worker"] is not killed, timeout_s=30)
        wait_for(ready, timeout_s=60)
    finally:
        codes = supervisor.stop(timeout_s=30)
        watcher.join(timeout=30)
    assert said == [
        "intake-worker exited with code -9 (SIGKILL); restarting in 0.2 s (restart 1 of 5 within 60 s)"
    ]
    assert codes["intake-worker"] == 0  # the restarted worker stopped cleanly on SIGTERM

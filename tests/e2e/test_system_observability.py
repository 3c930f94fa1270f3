"""The running system: a real flow across processes, scraped by a real Prometheus.

Also checks that every metric the Helm chart's alerts and dashboard query is really exported.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from shared.auth import dev_token
from shared.config import SERVICES
from tests.deploy.promql_names import HISTOGRAM_SUFFIXES, metric_names_in
from tests.support.harness import wait_for
from tests.support.processes import REPO, free_port

CHART = REPO / "deploy" / "helm" / "reverse-mentoring"
LEADER = {
    "employee_id": "E000100",
    "role": "leader",
    "level": 10,
    "timezone": "Europe/London",
    "languages": ["en"],
    "topics_to_learn": ["social-media-influencer-marketing"],
    "consent": {"matching": True, "data_processing": True},
}


def _flow(system) -> str:
    """Create a program and enrol a leader through intake; wait until matching has projected them."""
    settings = system.settings["intake"]
    headers = {"Authorization": f"Bearer {dev_token(settings, 'E000001', ['admin', 'hr'])}"}
    program = requests.post(
        f"{system.api_url('intake')}/v1/programs",
        json={
            "name": "E2E",
            "focus_areas": ["ai-tools"],
            "starts_on": "2027-01-04",
            "ends_on": "2027-03-01",
            "admins": ["E000001"],
        },
        headers=headers,
        timeout=10,
    )
    assert program.status_code == 201, program.text
    program_id = program.json()["program_id"]
    created = requests.post(
        f"{system.api_url('intake')}/v1/participants",
        json={**LEADER, "program_id": program_id},
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    participant_id = created.json()["participant_id"]
    url = f"{system.api_url('matching')}/v1/participants/{participant_id}"
    wait_for(lambda: requests.get(url, headers=headers, timeout=5).status_code == 200, timeout_s=60)
    return participant_id


def _exported_names(system) -> set[str]:
    names: set[str] = set()
    for service in SERVICES:
        for url in (f"{system.api_url(service)}/metrics", f"{system.worker_url(service)}/metrics"):
            for family in text_string_to_metric_families(requests.get(url, timeout=5).text):
                names.add(family.name)
                names.update(sample.name for sample in family.samples)
                if family.type == "histogram":
                    names.update(family.name + suffix for suffix in HISTOGRAM_SUFFIXES)
                if family.type == "counter":
                    names.add(family.name + "_total")
    return names


def _total(system, name: str, **labels: str) -> float:
    """The sum of a counter's samples over every process, read straight from their /metrics."""
    total = 0.0
    for service in SERVICES:
        for url in (f"{system.api_url(service)}/metrics", f"{system.worker_url(service)}/metrics"):
            for family in text_string_to_metric_families(requests.get(url, timeout=5).text):
                for sample in family.samples:
                    if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                        total += sample.value
    return total


def _queried_names() -> set[str]:
    rules = yaml.safe_load((CHART / "files" / "prometheus-rules.yaml").read_text())
    exprs = [r["expr"] for group in rules["groups"] for r in group["rules"]]
    for dashboard in (CHART / "files" / "dashboards").glob("*.json"):
        text = json.loads(dashboard.read_text())
        stack = [text]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("expr"), str):
                    exprs.append(node["expr"])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return {name for expr in exprs for name in metric_names_in(expr)} - {"up"}


def test_every_metric_the_alerts_and_dashboard_query_is_exported(system):
    _flow(system)
    exported = _exported_names(system)
    missing = sorted(_queried_names() - exported)
    assert missing == []


def test_prometheus_scrapes_every_service_and_sees_the_flow(system, tmp_path):
    subprocess.run(
        ["bash", str(REPO / "deploy" / "helm" / "install-tools.sh")], check=True, capture_output=True
    )
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        pytest.fail("prometheus (Debian package) is not installed; install-tools.sh should have installed it")
    # the system is shared with other tests: what Prometheus sees of this flow is what it adds
    topic = f"{system.settings['intake'].topic_prefix}mentoring.participants.v1"
    consumed_before = _total(system, "events_consumed_total", service="matching", outcome="processed")
    published_before = _total(system, "events_published_total", topic=topic)
    _flow(system)
    targets = [f"127.0.0.1:{system.api_ports[s]}" for s in SERVICES]
    workers = [f"127.0.0.1:{system.worker_ports[s]}" for s in SERVICES]
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {"job_name": "api", "static_configs": [{"targets": targets}]},
            {"job_name": "worker", "static_configs": [{"targets": workers}]},
        ],
    }
    config_path = tmp_path / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"

    def query(expr: str) -> list:
        try:
            body = requests.get(f"{base}/query", params={"query": expr}, timeout=5).json()
        except requests.RequestException:
            return []
        return body.get("data", {}).get("result", [])

    try:
        up = wait_for(lambda: len(query("up == 1")) == 8 and query("up == 1"), timeout_s=60)
        assert {r["metric"]["job"] for r in up} == {"api", "worker"}
        requests.get(f"{system.api_url('intake')}/healthz", timeout=5)
        requests_by_service = wait_for(lambda: query("sum by (service) (http_requests_total)"), timeout_s=60)
        assert "intake" in {r["metric"]["service"] for r in requests_by_service}

        def sum_of(result) -> float:
            return sum(float(r["value"][1]) for r in result)

        processed = 'sum(events_consumed_total{service="matching",outcome="processed"})'
        wait_for(lambda: sum_of(query(processed)) >= consumed_before + 1, timeout_s=30)

        def published_with_the_flow() -> list:
            result = query("events_published_total")
            flow = sum_of(r for r in result if r["metric"]["topic"] == topic)
            return result if flow >= published_before + 1 else []

        published = wait_for(published_with_the_flow, timeout_s=60)
        assert {r["metric"]["topic"].split(".", 1)[1] for r in published} >= {"mentoring.participants.v1"}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_every_process_drains_and_exits_cleanly_on_sigterm(system_to_stop):
    system = system_to_stop
    participant_id = _flow(system)
    exit_codes = system.stop()
    assert exit_codes == dict.fromkeys(exit_codes, 0)
    assert len(exit_codes) == 8 and participant_id

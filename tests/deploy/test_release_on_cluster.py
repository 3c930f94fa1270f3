"""A release's life on the local control plane: `helm install --wait`, upgrade, rollback, `helm test` and
uninstall, under Pod Security "restricted" with no warning from the server.

kwok reports the pods ready (and Job and test pods completed), so --wait, the topic hook Job and `helm test`
finish; no container runs, so this proves what Kubernetes and helm do with the chart, not the services.
"""

from __future__ import annotations

import json

import pytest

from tests.deploy.conftest import fullname
from tests.deploy.k8s import Helm, Namespace
from tests.deploy.test_chart_on_cluster import (
    CHART,
    DEFAULT,
    PRODUCTION,
    active_replica_set,
    chart_warnings,
    env_value,
)

# the body only: waiting for the control plane's build has its own limit (tests/deploy/k8s.py)
pytestmark = pytest.mark.timeout(600, func_only=True)

RELEASE = "mentoring"
WAIT = ("--wait", "--timeout", "3m")


def helm_ok(helm: Helm, *args: str) -> str:
    proc = helm(*args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning" not in proc.stderr.lower(), proc.stderr
    return proc.stdout


def history(helm: Helm, namespace: Namespace) -> list[dict]:
    return json.loads(helm_ok(helm, "history", RELEASE, "-n", namespace.name, "-o", "json"))


def test_a_production_release_installs_upgrades_rolls_back_passes_its_test_and_uninstalls(
    namespace: Namespace, helm: Helm
) -> None:
    ns, api = namespace.name, fullname("intake-api")
    helm_ok(helm, "install", RELEASE, CHART, "-n", ns, "-f", PRODUCTION, *WAIT)
    kinds = "servicemonitors,prometheusrules,networkpolicies,hpa,pdb"
    installed = {f"{o['kind']}/{o['metadata']['name']}" for o in namespace.get(kinds)["items"]}
    assert f"ServiceMonitor/{fullname('intake')}" in installed
    assert any(i.startswith("PrometheusRule/") for i in installed), installed
    assert f"HorizontalPodAutoscaler/{api}" in installed and f"PodDisruptionBudget/{api}" in installed
    pods = namespace.get("pods", "", "-l", "app.kubernetes.io/component=intake-api")["items"]
    assert pods and all(p["spec"]["priority"] == 1000000 for p in pods), "business-critical resolved"
    first = active_replica_set(namespace, api)

    helm_ok(helm, "upgrade", RELEASE, CHART, "-n", ns, "-f", PRODUCTION, "--set", "logLevel=DEBUG", *WAIT)
    rolled = active_replica_set(namespace, api)
    assert rolled["metadata"]["name"] != first["metadata"]["name"], "the Deployment rolled"
    assert env_value(namespace.get("deployment", api), "LOG_LEVEL") == "DEBUG"

    helm_ok(helm, "rollback", RELEASE, "1", "-n", ns, *WAIT)
    assert env_value(namespace.get("deployment", api), "LOG_LEVEL") == "WARNING"
    assert active_replica_set(namespace, api)["metadata"]["name"] == first["metadata"]["name"]
    assert [(r["revision"], r["status"]) for r in history(helm, namespace)] == [
        (1, "superseded"),
        (2, "superseded"),
        (3, "deployed"),
    ]

    tested = helm_ok(helm, "test", RELEASE, "-n", ns, "--timeout", "2m")
    assert "test-readyz" in tested and "Phase:          Succeeded" in tested, tested
    assert not chart_warnings(namespace)

    topics = "kafkatopics.kafka.strimzi.io"
    selector = f"app.kubernetes.io/instance={RELEASE}"
    before = namespace.cluster.kubectl(
        "get", topics, "-n", "kafka", "-l", selector, "-o", "name"
    ).stdout.split()
    assert before
    uninstalled = helm_ok(helm, "uninstall", RELEASE, "-n", ns, "--wait")
    assert "kept due to the resource policy" in uninstalled, uninstalled
    try:
        after = namespace.cluster.kubectl("get", topics, "-n", "kafka", "-l", selector, "-o", "name")
        assert after.stdout.split() == before, "KafkaTopics carry helm.sh/resource-policy: keep"
        assert not namespace.get("deployments,services,networkpolicies,servicemonitors")["items"]
        assert namespace.cluster.kubectl("get", "priorityclass", "business-critical").returncode != 0
    finally:
        namespace.cluster.kubectl("delete", topics, "-n", "kafka", "-l", selector)


def test_the_topic_hook_job_completes_before_the_release_and_runs_again_on_upgrade(
    namespace: Namespace, helm: Helm
) -> None:
    ns = namespace.name
    helm_ok(helm, "install", RELEASE, CHART, "-n", ns, "-f", DEFAULT, *WAIT)
    jobs = namespace.get("jobs")["items"]
    # the hook Job succeeded and was deleted by its hook-delete-policy; what ran is in the events
    assert not jobs, [j["metadata"]["name"] for j in jobs]
    created = [
        e
        for e in namespace.get("events", "", "--field-selector", f"involvedObject.name={fullname('topics')}")[
            "items"
        ]
        if e["reason"] == "Completed"
    ]
    assert len(created) == 1, created
    helm_ok(helm, "upgrade", RELEASE, CHART, "-n", ns, "-f", DEFAULT, "--set", "logLevel=DEBUG", *WAIT)
    events = namespace.get("events", "", "--field-selector", f"involvedObject.name={fullname('topics')}")[
        "items"
    ]
    assert len([e for e in events if e["reason"] == "Completed"]) == 2
    helm_ok(helm, "test", RELEASE, "-n", ns, "--timeout", "2m")
    assert not chart_warnings(namespace)

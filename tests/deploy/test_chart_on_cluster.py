"""The chart on a real Kubernetes control plane (deploy/local/k8s): what the API server admits under Pod
Security "restricted", and a release's whole life with helm.

The API server, its admission chain, the CRD schemas and the controller manager are the real ones of the
pinned release; the scheduler binds pods to kwok's fake nodes and kwok reports them running and ready (Job
and `helm test` pods: completed). No container runs, so what the services do inside is not tested here.
"""

from __future__ import annotations

import json

import pytest
import yaml

from deploy.local.k8s import build
from deploy.local.k8s.cluster import LocalCluster
from tests.deploy.conftest import CHART, CI_VALUES
from tests.deploy.k8s import Helm, Namespace, documents, wait_until, warnings_of

# the body only: waiting for the control plane's build has its own limit (tests/deploy/k8s.py)
pytestmark = pytest.mark.timeout(600, func_only=True)

PRODUCTION = CHART / "ci" / "production-values.yaml"
DEFAULT = CHART / "ci" / "default-values.yaml"
# Warnings that are the test cluster's, not the chart's: without a metrics API the HPA controller cannot
# read CPU; and the API server's ClusterIP repair controller (pkg/registry/core/service/ipallocator/
# controller/repairip.go) looks a new Service's IP up in its IPAddress informer cache, which can lag behind
# the Service's: it then reports an allocated IP as "not allocated; repairing" (seen once in ~10 runs here).
CLUSTER_WARNINGS = (
    lambda w: w.startswith("HorizontalPodAutoscaler/"),
    lambda w: " ClusterIPNotAllocated: " in w and w.endswith("is not allocated; repairing"),
)


def render(helm: Helm, release: str, namespace: Namespace, *args: str) -> str:
    proc = helm(
        "template",
        release,
        CHART,
        "--namespace",
        namespace.name,
        "--kube-version",
        build.KUBERNETES_VERSION,
        *args,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def create_prerequisites(namespace: Namespace, values: dict) -> None:
    """What a platform team provides before installing: a ServiceAccount the values name but do not create."""
    account = values.get("serviceAccount", {})
    if account.get("create") is False and account.get("name"):
        proc = namespace.kubectl("create", "serviceaccount", account["name"])
        assert proc.returncode == 0, proc.stderr


def wait_for_deployments(namespace: Namespace) -> None:
    proc = namespace.kubectl("wait", "--for=condition=Available", "deployment", "--all", "--timeout=90s")
    assert proc.returncode == 0, proc.stderr + "\n".join(namespace.warning_events())


def chart_warnings(namespace: Namespace) -> list[str]:
    return [w for w in namespace.warning_events() if not any(known(w) for known in CLUSTER_WARNINGS)]


def delete_outside(namespace: Namespace, manifests: str) -> None:
    """The namespace goes with its fixture; what the manifests put elsewhere (a PriorityClass, KafkaTopics
    in the kafka namespace, monitoring objects) is deleted here."""
    elsewhere = [d for d in documents(manifests) if d["metadata"].get("namespace", "") != namespace.name]
    if elsewhere:
        namespace.cluster.kubectl(
            "delete", "--ignore-not-found", "-f", "-", stdin=yaml.safe_dump_all(elsewhere)
        )


def active_replica_set(namespace: Namespace, deployment: str) -> dict:
    replica_sets = namespace.get("replicasets")["items"]
    owned = [
        rs
        for rs in replica_sets
        if any(o["name"] == deployment for o in rs["metadata"].get("ownerReferences", []))
        and rs["spec"]["replicas"] > 0
    ]
    assert len(owned) == 1, [rs["metadata"]["name"] for rs in owned]
    return owned[0]


def env_value(deployment: dict, name: str) -> str:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return next(e["value"] for e in container["env"] if e["name"] == name)


# --- the cluster itself ------------------------------------------------------------------------------


def test_the_control_plane_is_the_pinned_kubernetes_release_with_ready_nodes(cluster: LocalCluster) -> None:
    status, version = cluster.get("/version")
    assert status == 200 and version["gitVersion"] == build.KUBERNETES_VERSION
    nodes = json.loads(cluster.kubectl("get", "nodes", "-o", "json").stdout)["items"]
    ready = [
        n for n in nodes if {"type": "Ready", "status": "True"}.items() <= _condition(n, "Ready").items()
    ]
    assert len(ready) == len(nodes) >= 3


def _condition(obj: dict, kind: str) -> dict:
    return next((c for c in obj["status"].get("conditions", []) if c["type"] == kind), {})


def test_a_plain_pod_is_refused_in_a_namespace_enforcing_restricted(namespace: Namespace) -> None:
    proc = namespace.kubectl("run", "plain", "--image=busybox", "--restart=Never")
    assert proc.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in proc.stderr, proc.stderr


# --- every ci values file through admission ----------------------------------------------------------


@pytest.mark.parametrize("values", CI_VALUES, ids=lambda p: p.name)
def test_every_ci_values_file_is_admitted_and_its_pods_pass_pod_security(
    values, namespace: Namespace, helm: Helm
) -> None:
    create_prerequisites(namespace, yaml.safe_load(values.read_text()))
    # a release name of its own: some files put objects in the shared monitoring and kafka namespaces
    manifests = render(helm, namespace.name, namespace, "-f", str(values))
    try:
        created = namespace.cluster.kubectl("create", "-f", "-", stdin=manifests)
        assert created.returncode == 0, created.stderr
        assert not warnings_of(created.stderr), created.stderr
        wait_for_deployments(namespace)
        wanted = sum(d["spec"]["replicas"] for d in namespace.get("deployments")["items"])
        assert wanted > 0

        def admitted_and_running() -> bool:
            pods = namespace.get("pods")["items"]
            return len(pods) >= wanted and all(p["status"]["phase"] in ("Running", "Succeeded") for p in pods)

        wait_until(admitted_and_running, "every pod admitted and reported running (or completed)")
        assert not chart_warnings(namespace)
    finally:
        delete_outside(namespace, manifests)


def test_the_monitoring_objects_are_admitted_against_the_prometheus_operator_crds(
    namespace: Namespace, helm: Helm
) -> None:
    manifests = render(
        helm, namespace.name, namespace, "-f", str(PRODUCTION), "--set", "priorityClass.create=false"
    )
    kinds = {"ServiceMonitor", "PrometheusRule", "KafkaTopic", "NetworkPolicy", "HorizontalPodAutoscaler"}
    chosen = [d for d in documents(manifests) if d["kind"] in kinds | {"PodDisruptionBudget"}]
    assert {d["kind"] for d in chosen} >= kinds
    applied = namespace.cluster.kubectl(
        "apply", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump_all(chosen)
    )
    assert applied.returncode == 0, applied.stderr
    assert not warnings_of(applied.stderr), applied.stderr
    # and the CRD schemas are enforced: a ServiceMonitor endpoint with a port of the wrong type is refused
    monitor = next(d for d in chosen if d["kind"] == "ServiceMonitor")
    monitor["spec"]["endpoints"][0]["port"] = {"not": "a string"}
    refused = namespace.cluster.kubectl("apply", "--dry-run=server", "-f", "-", stdin=json.dumps(monitor))
    assert refused.returncode != 0 and "spec.endpoints[0].port" in refused.stderr, refused.stderr


# --- what the server refuses -------------------------------------------------------------------------


def replica_failure(namespace: Namespace, deployment_suffix: str) -> str:
    """The message of a ReplicaFailure condition (pods the API server refused) of a ReplicaSet, or ''."""
    for rs in namespace.get("replicasets")["items"]:
        if rs["metadata"]["name"].rsplit("-", 1)[0].endswith(deployment_suffix):
            return _condition(rs, "ReplicaFailure").get("message", "")
    return ""


def test_values_breaking_the_restricted_profile_are_refused_by_the_server(
    namespace: Namespace, helm: Helm, capsys
) -> None:
    broken = ("podSecurityContext.runAsNonRoot=false", "containerSecurityContext.runAsNonRoot=false")
    args = ("-f", str(DEFAULT), "--set", "kafka.topics.create=false", "--set", ",".join(broken))
    manifests = render(helm, "mentoring", namespace, *args)
    created = namespace.cluster.kubectl("create", "-f", "-", stdin=manifests)
    # the `helm test` pod is a bare Pod: refused at once; the Deployments are admitted with a warning ...
    assert created.returncode != 0
    refused_pod = next(line for line in created.stderr.splitlines() if line.startswith("Error from server"))
    assert 'test-readyz" is forbidden: violates PodSecurity "restricted:latest"' in refused_pod, (
        created.stderr
    )
    assert any("runAsNonRoot != true" in w for w in warnings_of(created.stderr)), created.stderr
    # ... and every pod their ReplicaSets try to create is refused
    wait_until(lambda: replica_failure(namespace, "intake-api"), "the ReplicaSet to report refused pods")
    message = replica_failure(namespace, "intake-api")
    with capsys.disabled():
        print(f"\n[refused by the API server] {refused_pod}\n[refused by the API server] {message}")
    assert 'violates PodSecurity "restricted:latest": runAsNonRoot != true' in message
    assert not namespace.get("pods")["items"], "no pod may have been admitted"


def test_a_priority_class_the_cluster_lacks_keeps_the_api_pods_out(namespace: Namespace, helm: Helm) -> None:
    assert namespace.cluster.kubectl("get", "priorityclass", "business-critical").returncode != 0
    args = ("-f", str(PRODUCTION), "--set", "priorityClass.create=false")
    docs = documents(render(helm, namespace.name, namespace, *args))
    account = [d for d in docs if d["kind"] == "ServiceAccount"]
    api = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-api")]
    for objects in (account, api):
        created = namespace.cluster.kubectl("create", "-f", "-", stdin=yaml.safe_dump_all(objects))
        assert created.returncode == 0, created.stderr

    missing = "no PriorityClass with name business-critical was found"
    wait_until(lambda: missing in replica_failure(namespace, "intake-api"), f"ReplicaFailure: {missing}")
    assert not namespace.get("pods")["items"]

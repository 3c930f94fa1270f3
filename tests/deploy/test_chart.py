"""The Helm chart: lint, render every ci values file, Kubernetes schemas, checkov, what it contains."""

from __future__ import annotations

import json
import re
import sys

import pytest
import yaml

from shared.contracts import CONSUMER_GROUPS, TOPICS, dlq_topic
from tests.deploy.conftest import (
    CHART,
    CI_VALUES,
    REPO,
    SERVICES,
    Rendered,
    Tools,
    fullname,
    helm_template,
    run,
)

pytestmark = pytest.mark.timeout(1800)

KUBERNETES_VERSIONS = ("1.30.0", "1.33.0", "1.37.0")
CRD_KINDS = {"ServiceMonitor", "PrometheusRule", "KafkaTopic"}
# CKV_K8S_8/9 (probes): only the run-once `helm test` pod skips them
JUSTIFIED_CHECKOV_SKIPS = {"CKV_K8S_8", "CKV_K8S_9", "CKV_K8S_15", "CKV_K8S_35", "CKV_K8S_43"}
STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
)


def pod_spec(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


# --- lint and render ---------------------------------------------------------------------------------


def test_there_are_ci_values_for_default_production_and_minimal() -> None:
    names = {p.name for p in CI_VALUES}
    assert {"default-values.yaml", "production-values.yaml", "minimal-values.yaml"} <= names


@pytest.mark.parametrize("values", CI_VALUES, ids=lambda p: p.name)
def test_chart_passes_helm_lint_strict(tools: Tools, values) -> None:
    proc = run([tools.helm, "lint", "--strict", CHART, "-f", values])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[WARNING]" not in proc.stdout and "[ERROR]" not in proc.stdout, proc.stdout


def test_every_ci_values_file_renders(rendered: dict[str, Rendered]) -> None:
    assert set(rendered) == {p.name.removesuffix("-values.yaml") for p in CI_VALUES}
    for r in rendered.values():
        assert r.of_kind("Deployment"), f"{r.name} renders no Deployment"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_rendered_manifests_are_valid_for_kubernetes(
    tools: Tools, rendered: dict[str, Rendered], version
) -> None:
    paths = [r.path for r in rendered.values()]
    proc = run([tools.kubernetes_validate, "--strict", "--quiet", "-k", version, *paths])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # only CRDs may lack a bundled schema; everything built in must be checked
    for line in (proc.stdout + proc.stderr).splitlines():
        if "Couldn't find schema" in line:
            kind = re.search(r"for kind (\w+)", line)
            assert kind and kind.group(1) in CRD_KINDS, line
        else:
            assert not line.strip() or line.startswith("INFO"), line


def test_checkov_reports_no_failed_check_and_only_justified_skips(
    tools: Tools, rendered: dict[str, Rendered]
) -> None:
    directory = next(iter(rendered.values())).path.parent
    proc = run([tools.checkov, "-d", directory, "--framework", "kubernetes", "-o", "json"])
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']})"
        for report in reports
        for c in report["results"]["failed_checks"]
    ]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    assert proc.returncode == 0, proc.stderr
    for report in reports:
        assert report["summary"]["passed"] > 0
        for skipped in report["results"]["skipped_checks"]:
            assert skipped["check_id"] in JUSTIFIED_CHECKOV_SKIPS, skipped["check_id"]
            reason = skipped["check_result"].get("suppress_comment") or ""
            assert len(reason) > 30, f"unjustified skip {skipped['check_id']}"


# --- values schema and validateValues ------------------------------------------------------------------

DEFAULT = ("-f", str(CHART / "ci" / "default-values.yaml"))


@pytest.mark.parametrize(
    ("args", "messages"),
    [
        pytest.param(
            (*DEFAULT, "--set", "defaults.api.replicaCount=-1"),
            ["/defaults/api/replicaCount", "minimum: got -1, want 0"],
            id="negative-replicas",
        ),
        pytest.param(
            (*DEFAULT, "--set", "services.matching.worker.replicaCount=-3"),
            ["/services/matching/worker/replicaCount", "minimum"],
            id="negative-service-replicas",
        ),
        pytest.param((), ["/kafka/bootstrapServers", "minLength"], id="bootstrap-empty-by-default"),
        pytest.param(
            (*DEFAULT, "--set", "kafka.bootstrapServers=null"),
            ["missing property 'bootstrapServers'"],
            id="bootstrap-missing",
        ),
        pytest.param(
            (*DEFAULT, "--set", "kafka.bootstrapServers=kafka"),
            ["/kafka/bootstrapServers", "does not match pattern"],
            id="bootstrap-without-port",
        ),
        pytest.param(
            (*DEFAULT, "--set", "replicas=3"),
            ["additional properties 'replicas' not allowed"],
            id="unknown-top-level-key",
        ),
        pytest.param(
            (*DEFAULT, "--set", "services.intake.enabeld=false"),
            ["/services/intake", "additional properties 'enabeld' not allowed"],
            id="typo-in-service",
        ),
        pytest.param(
            (*DEFAULT, "--set", "services.billing.enabled=true"),
            ["additional properties 'billing' not allowed"],
            id="unknown-service",
        ),
        pytest.param(
            (*DEFAULT, "--set-string", "defaults.worker.replicaCount=two"),
            ["/defaults/worker/replicaCount", "got string, want integer"],
            id="wrong-type",
        ),
        pytest.param(
            (*DEFAULT, "--set", "kafka.securityProtocol=TLS"),
            ["/kafka/securityProtocol"],
            id="unknown-security-protocol",
        ),
    ],
)
def test_bad_values_fail_rendering_with_a_schema_message(tools: Tools, args, messages) -> None:
    proc = helm_template(tools, *args)
    assert proc.returncode != 0, f"rendered although values are bad: {args}"
    assert "values don't meet the specifications of the schema" in proc.stderr, proc.stderr
    for message in messages:
        assert message in proc.stderr, proc.stderr


def test_validate_values_lists_every_problem_at_once(tools: Tools) -> None:
    proc = helm_template(
        tools,
        *DEFAULT,
        "--set",
        "mongodb.existingSecret=",
        "--set",
        "kafka.securityProtocol=SASL_SSL",
        "--set",
        "kafka.strimzi.enabled=true",
        "--set",
        "auth.jwks.url=",
        "--set",
        "defaults.worker.autoscaling.enabled=true",
        "--set",
        "defaults.worker.autoscaling.maxReplicas=50",
    )
    assert proc.returncode != 0
    assert "VALUES VALIDATION" in proc.stderr
    for expected in (
        *(f"services.{name}: no MongoDB Secret" for name in SERVICES),
        "kafka.sasl.mechanism: required",
        "kafka.sasl.existingSecret: required",
        "kafka.strimzi.clusterName: required",
        "auth.jwks: set auth.jwks.url or auth.jwks.existingSecret",
        "worker.autoscaling.maxReplicas (50) exceeds kafka.topics.partitions (6)",
    ):
        assert expected in proc.stderr, f"{expected!r} not in:\n{proc.stderr}"


def test_disabling_every_service_is_rejected(tools: Tools) -> None:
    args = [a for name in SERVICES for a in ("--set", f"services.{name}.enabled=false")]
    proc = helm_template(tools, *DEFAULT, *args)
    assert proc.returncode != 0 and "every service is disabled" in proc.stderr


def test_schema_is_strict_where_it_matters() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["additionalProperties"] is False
    assert "bootstrapServers" in schema["properties"]["kafka"]["required"]
    assert schema["properties"]["kafka"]["properties"]["bootstrapServers"]["minLength"] == 1
    for definition in ("apiComponent", "workerComponent", "probe", "resources"):
        assert schema["definitions"][definition]["additionalProperties"] is False
    assert set(schema["properties"]["services"]["properties"]) == set(SERVICES)


def test_default_values_satisfy_the_schema_except_the_required_bootstrap() -> None:
    import jsonschema

    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(values)]
    assert errors and all("''" in e for e in errors), errors  # only kafka.bootstrapServers: ""
    values["kafka"]["bootstrapServers"] = "kafka:9092"
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(values))


# --- documentation -------------------------------------------------------------------------------------


def _gen_values_table():
    sys.path.insert(0, str(REPO / "deploy" / "helm"))
    try:
        import gen_values_table
    finally:
        sys.path.pop(0)
    return gen_values_table


def test_every_value_is_documented_with_a_param_comment() -> None:
    gen = _gen_values_table()
    assert gen.undocumented_keys(CHART) == []
    assert gen.unknown_params(CHART) == []


def test_readme_values_table_is_up_to_date() -> None:
    gen = _gen_values_table()
    readme = (CHART / "README.md").read_text()
    assert gen.updated_readme(readme, gen.render_table(CHART)) == readme, "run `make helm-docs`"
    assert "## Install on Kubernetes" in readme and "helm upgrade --install" in readme


def test_chart_metadata() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and chart["appVersion"] == "0.1.0"
    assert (CHART / "templates" / "NOTES.txt").is_file()


# --- what the default render contains ------------------------------------------------------------------


def test_each_service_gets_an_api_and_a_worker(rendered: dict[str, Rendered]) -> None:
    r = rendered["default"]
    for name in SERVICES:
        api = r.named("Deployment", fullname(f"{name}-api"))
        worker = r.named("Deployment", fullname(f"{name}-worker"))
        api_c, worker_c = pod_spec(api)["containers"][0], pod_spec(worker)["containers"][0]
        assert api_c["command"] + api_c["args"] == ["python", "-m", f"services.{name}", "api"]
        assert worker_c["command"] + worker_c["args"] == ["python", "-m", f"services.{name}", "worker"]
        assert api_c["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
        assert worker_c["ports"] == [{"name": "metrics", "containerPort": 9100, "protocol": "TCP"}]
        assert api_c["image"] == worker_c["image"] == f"reverse-mentoring/{name}:0.1.0"
        service = r.named("Service", fullname(f"{name}-api"))
        assert service["spec"]["ports"][0]["port"] == 8000
        metrics = r.named("Service", fullname(f"{name}-worker"))
        assert metrics["spec"]["ports"][0] == {
            "name": "metrics",
            "port": 9100,
            "targetPort": "metrics",
            "protocol": "TCP",
        }
        assert env_of(api_c)["PROMETHEUS_MULTIPROC_DIR"]["value"] == "/tmp/metrics"
        assert env_of(api_c)["MONGODB_DATABASE"]["value"] == f"mentoring_{name}"


def test_probes_and_graceful_termination(rendered: dict[str, Rendered]) -> None:
    for deployment in rendered["default"].of_kind("Deployment"):
        spec = pod_spec(deployment)
        container = spec["containers"][0]
        assert spec["terminationGracePeriodSeconds"] == 30
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        if deployment["metadata"]["name"].endswith("-api"):
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
            assert container["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
        else:
            assert container["livenessProbe"]["httpGet"]["port"] == "metrics"


def test_every_pod_meets_the_restricted_pod_security_standard(rendered: dict[str, Rendered]) -> None:
    for r in rendered.values():
        workloads = r.of_kind("Deployment") + r.of_kind("Job")
        for workload in workloads:
            where = f"{r.name}/{workload['metadata']['name']}"
            spec = pod_spec(workload)
            assert spec["automountServiceAccountToken"] is False, where
            assert spec["securityContext"]["runAsNonRoot"] is True, where
            assert spec["securityContext"]["runAsUser"] == 10001, where
            assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
            volumes = {v["name"]: v for v in spec["volumes"]}
            assert "emptyDir" in volumes["tmp"], where
            for container in spec["containers"]:
                sc = container["securityContext"]
                assert sc["allowPrivilegeEscalation"] is False, where
                assert sc["readOnlyRootFilesystem"] is True, where
                assert sc["capabilities"] == {"drop": ["ALL"]}, where
                assert sc["runAsNonRoot"] is True, where
                assert {"mountPath": "/tmp", "name": "tmp"} in container["volumeMounts"], where
                assert container["resources"]["limits"] and container["resources"]["requests"], where


def test_every_object_carries_the_standard_labels(rendered: dict[str, Rendered]) -> None:
    for r in rendered.values():
        for doc in r.docs:
            labels = doc["metadata"].get("labels", {})
            missing = [label for label in STANDARD_LABELS if label not in labels]
            assert not missing, f"{r.name}: {doc['kind']} {doc['metadata']['name']} lacks {missing}"


def test_service_account_exists_and_mounts_no_token(rendered: dict[str, Rendered]) -> None:
    r = rendered["default"]
    sa = r.named("ServiceAccount", fullname("").rstrip("-"))
    assert sa["automountServiceAccountToken"] is False
    for deployment in r.of_kind("Deployment"):
        assert pod_spec(deployment)["serviceAccountName"] == sa["metadata"]["name"]


def test_topics_hook_job_runs_the_chassis_topic_command(rendered: dict[str, Rendered]) -> None:
    job = rendered["default"].named("Job", fullname("topics"))
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    container = pod_spec(job)["containers"][0]
    assert container["command"] == ["python", "-m", "shared.topics", "create"]
    assert "--partitions=6" in container["args"] and "--replication-factor=3" in container["args"]
    assert env_of(container)["KAFKA_BOOTSTRAP_SERVERS"]["value"] == "kafka-bootstrap.kafka.svc:9092"
    assert not rendered["default"].of_kind("KafkaTopic")


def test_strimzi_topics_cover_every_contract_topic_and_dead_letter_topic(
    rendered: dict[str, Rendered],
) -> None:
    r = rendered["production"]
    assert not r.of_kind("Job"), "with Strimzi the hook Job must not render"
    names = {t["spec"]["topicName"] for t in r.of_kind("KafkaTopic")}
    expected = set(TOPICS) | {dlq_topic(t, g) for g, topics in CONSUMER_GROUPS.items() for t in topics}
    assert names == expected
    for topic in r.of_kind("KafkaTopic"):
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "mentoring-kafka"
        assert topic["metadata"]["namespace"] == "kafka"
        assert topic["spec"]["partitions"] == 12 and topic["spec"]["replicas"] == 3


def test_contract_topics_in_docs_match_the_chart() -> None:
    contracts = (REPO / "docs" / "contracts.md").read_text()
    section = contracts.split("## Topics", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(mentoring\.[a-z.-]+\.v\d+)`", section))
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert {d["name"] for d in values["kafka"]["topics"]["definitions"]} == documented


def test_kafka_sasl_and_tls_come_from_secrets(rendered: dict[str, Rendered]) -> None:
    r = rendered["production"]
    for deployment in r.of_kind("Deployment"):
        container = pod_spec(deployment)["containers"][0]
        env = env_of(container)
        assert env["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
        assert env["KAFKA_SASL_MECHANISM"]["value"] == "SCRAM-SHA-512"
        for var in ("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"):
            assert env[var]["valueFrom"]["secretKeyRef"]["name"] == "reverse-mentoring-kafka-user"
        assert env["KAFKA_SSL_CAFILE"]["value"] == "/etc/reverse-mentoring/kafka-ca/ca.crt"
        assert env["MONGODB_URI"]["valueFrom"]["secretKeyRef"]["key"] == "mongodb-uri"
        assert env["JWT_JWKS_FILE"]["value"] == "/etc/reverse-mentoring/jwks/jwks.json"
        assert "@sha256:" in container["image"] and container["image"].startswith("registry.example.com/")
    matching = pod_spec(r.named("Deployment", fullname("matching-api")))["containers"][0]
    assert (
        env_of(matching)["MONGODB_URI"]["valueFrom"]["secretKeyRef"]["name"]
        == "reverse-mentoring-mongodb-matching"
    )


def test_production_scales_and_stays_available(rendered: dict[str, Rendered]) -> None:
    r = rendered["production"]
    hpas = {h["metadata"]["name"]: h for h in r.of_kind("HorizontalPodAutoscaler")}
    assert len(hpas) == 8 and len(r.of_kind("PodDisruptionBudget")) == 8
    for deployment in r.of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        assert "replicas" not in deployment["spec"], f"{name}: the HPA owns replicas"
        spec = pod_spec(deployment)
        if name.endswith("-api"):
            assert spec["topologySpreadConstraints"][0]["whenUnsatisfiable"] == "DoNotSchedule"
            assert "requiredDuringSchedulingIgnoredDuringExecution" in spec["affinity"]["podAntiAffinity"]
        else:
            assert "preferredDuringSchedulingIgnoredDuringExecution" in spec["affinity"]["podAntiAffinity"]
        metrics = hpas[name]["spec"]["metrics"]
        assert metrics[0]["resource"]["name"] == "cpu"
        if name.endswith("-worker"):
            assert metrics[1]["type"] == "External"
            assert metrics[1]["external"]["metric"]["name"] == "consumer_lag"
    pods_metric = rendered["sasl-plaintext"].named("HorizontalPodAutoscaler", fullname("matching-worker"))
    assert pods_metric["spec"]["metrics"][1]["type"] == "Pods"


def test_network_policies_deny_by_default_and_allow_what_is_needed(rendered: dict[str, Rendered]) -> None:
    r = rendered["production"]
    deny = r.named("NetworkPolicy", fullname("default-deny"))
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny["spec"]
    egress = r.named("NetworkPolicy", fullname("egress"))["spec"]["egress"]
    ports = {(p["port"], p["protocol"]) for rule in egress for p in rule["ports"]}
    assert {(53, "UDP"), (53, "TCP"), (9093, "TCP"), (27017, "TCP")} <= ports
    assert any(
        peer.get("ipBlock", {}).get("cidr") == "10.20.0.0/16"
        for rule in egress
        for peer in rule.get("to", [])
    )
    api = r.named("NetworkPolicy", fullname("intake-api"))["spec"]["ingress"]
    assert len(api) == 2 and all(rule["ports"] == [{"port": "http", "protocol": "TCP"}] for rule in api)
    worker = r.named("NetworkPolicy", fullname("intake-worker"))["spec"]["ingress"]
    assert worker[0]["ports"] == [{"port": "metrics", "protocol": "TCP"}]
    notifications = r.named("NetworkPolicy", fullname("notifications-worker"))["spec"]
    assert "Egress" in notifications["policyTypes"] and notifications["egress"][0]["ports"][0]["port"] == 587
    assert not rendered["minimal"].of_kind("NetworkPolicy")


def test_minimal_values_deploy_only_intake(rendered: dict[str, Rendered]) -> None:
    r = rendered["minimal"]
    assert sorted(d["metadata"]["name"] for d in r.of_kind("Deployment")) == [
        fullname("intake-api"),
        fullname("intake-worker"),
    ]
    assert not r.of_kind("Job") and not r.of_kind("PodDisruptionBudget")
    env = env_of(pod_spec(r.of_kind("Deployment")[0])["containers"][0])
    assert env["AUTH_MODE"]["value"] == "dev"
    assert env["DEV_KEYS_DIR"]["value"].startswith("/tmp/"), "the root filesystem is read-only"


def test_service_monitor_per_service_scrapes_api_and_worker(rendered: dict[str, Rendered]) -> None:
    r = rendered["production"]
    monitors = {m["metadata"]["name"]: m for m in r.of_kind("ServiceMonitor")}
    assert set(monitors) == {fullname(name) for name in SERVICES}
    for name in SERVICES:
        spec = monitors[fullname(name)]["spec"]
        assert [e["port"] for e in spec["endpoints"]] == ["http", "metrics"]
        assert spec["jobLabel"] == "app.kubernetes.io/component"
        assert spec["selector"]["matchExpressions"][0]["values"] == [f"{name}-api", f"{name}-worker"]
        assert monitors[fullname(name)]["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert not rendered["default"].of_kind("ServiceMonitor")


def test_prometheus_rule_wraps_the_rules_file(rendered: dict[str, Rendered]) -> None:
    source = yaml.safe_load((CHART / "files" / "prometheus-rules.yaml").read_text())
    rule = rendered["production"].of_kind("PrometheusRule")[0]
    got = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    want = {r["alert"]: r for g in source["groups"] for r in g["rules"]}
    assert set(got) == set(want)
    for name, alert in got.items():
        assert alert["expr"] == want[name]["expr"]
        assert alert["labels"] == {**want[name]["labels"], "team": "mentoring-platform"}
    trimmed = rendered["ssl-observability"].of_kind("PrometheusRule")[0]
    assert trimmed["metadata"]["namespace"] == "monitoring"
    alerts = {r["alert"] for g in trimmed["spec"]["groups"] for r in g["rules"]}
    assert "MentoringApiLatencyHigh" not in alerts and "MentoringWorkerDown" in alerts


def test_dashboard_configmap_is_labelled_for_the_grafana_sidecar(rendered: dict[str, Rendered]) -> None:
    cm = rendered["production"].named("ConfigMap", fullname("dashboards"))
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    ((name, body),) = cm["data"].items()
    assert name.endswith(".json") and json.loads(body)["uid"] == "reverse-mentoring-overview"


def test_notes_render_for_every_ci_values_file(tools: Tools, tmp_path) -> None:
    """NOTES.txt is only rendered by a real install; render it through a copy that wraps it in a ConfigMap."""
    import shutil

    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    notes = (chart / "templates" / "NOTES.txt").read_text()
    (chart / "templates" / "NOTES.txt").unlink()
    (chart / "templates" / "_notes_under_test.tpl").write_text(
        '{{- define "notes-under-test" -}}\n' + notes + "{{- end -}}\n"
    )
    (chart / "templates" / "notes-under-test.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n"
        'data:\n  notes: {{ include "notes-under-test" . | quote }}\n'
    )
    for values in CI_VALUES:
        show = ("--show-only", "templates/notes-under-test.yaml")
        proc = run([tools.helm, "template", "mentoring", chart, "-f", values, *show])
        assert proc.returncode == 0, f"{values.name}: {proc.stderr}"
        text = yaml.safe_load(proc.stdout)["data"]["notes"]
        assert "kubectl -n" in text and "port-forward" in text, text

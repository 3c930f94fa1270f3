"""The chart's notifications delivery settings: SMTP (credentials only from an existing Secret), public
URL, retries, chat and webhook policy rendered as the environment the code reads (and parses), the SMTP
CA mounted, and the worker's egress NetworkPolicy for SMTP and webhook targets."""

from __future__ import annotations

import yaml

from services.notifications.config import DeliveryConfig
from services.notifications.domain.webhooks.policy import WebhookPolicy
from tests.deploy.conftest import CHART, Tools, fullname, helm_template

DEFAULT = ("-f", CHART / "ci" / "default-values.yaml")
CONFIGURED = """
services:
  notifications:
    delivery:
      publicBaseUrl: https://mentoring.example.com
      retryDelaysSeconds: [10, 60]
      smtp: {host: smtp.example.com, port: 465, tls: tls, from: "RM <rm@example.com>",
             existingSecret: smtp-auth, caSecret: smtp-ca}
      unsubscribe: {existingSecret: notification-keys}
      webhooks: {allowedHosts: [hooks.internal.example.com, 10.0.0.7], timeoutSeconds: 5}
      egress: {smtpCidrs: [203.0.113.10/32], targets: [{cidr: 10.0.0.7/32, ports: [8443]}]}
"""


def render(tools: Tools, tmp_path, values: str = "") -> list[dict]:
    extra = tmp_path / "values.yaml"
    extra.write_text(values or "{}")
    proc = helm_template(tools, *DEFAULT, "-f", extra)
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def named(docs: list[dict], kind: str, name: str) -> dict:
    [found] = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def test_delivery_values_become_the_environment_the_code_parses_with_secrets_by_reference(tools, tmp_path):
    docs = render(tools, tmp_path, CONFIGURED)
    for role in ("api", "worker"):
        deployment = named(docs, "Deployment", fullname(f"notifications-{role}"))
        pod = deployment["spec"]["template"]["spec"]
        env = {e["name"]: e for e in pod["containers"][0]["env"]}
        assert env["SMTP_PASSWORD"]["valueFrom"] == {"secretKeyRef": {"name": "smtp-auth", "key": "password"}}
        assert env["UNSUBSCRIBE_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "notification-keys"
        plain = {name: e["value"] for name, e in env.items() if "value" in e}
        secrets = {"SMTP_USERNAME": "u", "SMTP_PASSWORD": "p", "UNSUBSCRIBE_SECRET": "k" * 32}
        config = DeliveryConfig.from_env({**plain, **secrets})
        assert (config.smtp.host, config.smtp.port, config.smtp.tls) == ("smtp.example.com", 465, "tls")
        assert config.smtp.ca_file == "/etc/reverse-mentoring/smtp-ca/ca.crt"
        assert config.public_base_url == "https://mentoring.example.com"
        assert config.retry.delays_s == (10.0, 60.0) and config.unsubscribe_links.keys is not None
        policy = WebhookPolicy.from_env(plain)
        assert policy.allowed_hosts == {"hooks.internal.example.com", "10.0.0.7"} and policy.timeout_s == 5
        assert {"name": "smtp-ca", "mountPath": "/etc/reverse-mentoring/smtp-ca", "readOnly": True} in (
            pod["containers"][0]["volumeMounts"]
        )
        assert "password" not in str(plain).lower()
    intake = named(docs, "Deployment", fullname("intake-api"))
    assert not [e for e in intake["spec"]["template"]["spec"]["containers"][0]["env"] if "SMTP" in e["name"]]


def test_the_worker_may_reach_the_smtp_relay_and_webhook_targets_and_nothing_else_extra(tools, tmp_path):
    policy = named(render(tools, tmp_path, CONFIGURED), "NetworkPolicy", fullname("notifications-delivery"))
    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert selector["app.kubernetes.io/component"] == "notifications-worker"
    assert policy["spec"]["policyTypes"] == ["Egress"]
    smtp, webhooks = policy["spec"]["egress"]
    assert smtp == {
        "ports": [{"port": 465, "protocol": "TCP"}],
        "to": [{"ipBlock": {"cidr": "203.0.113.10/32"}}],
    }
    assert webhooks == {
        "to": [{"ipBlock": {"cidr": "10.0.0.7/32"}}],
        "ports": [{"port": 8443, "protocol": "TCP"}],
    }

    default = named(render(tools, tmp_path), "NetworkPolicy", fullname("notifications-delivery"))
    public = default["spec"]["egress"][1]
    assert (
        public["to"][0]["ipBlock"]["cidr"] == "0.0.0.0/0"
        and "10.0.0.0/8" in public["to"][0]["ipBlock"]["except"]
    )
    assert public["ports"] == [{"port": 443, "protocol": "TCP"}]


def test_a_password_in_values_or_an_unknown_tls_mode_is_refused_by_the_schema(tools, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("services: {notifications: {delivery: {smtp: {tls: ssl, password: hunter2}}}}")
    proc = helm_template(tools, *DEFAULT, "-f", bad)
    assert proc.returncode != 0
    assert "'none', 'starttls', 'tls'" in proc.stderr and "'password' not allowed" in proc.stderr

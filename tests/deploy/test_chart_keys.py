"""The chart wires crypto-shredding: the workers that open sealed events know intake's API, carry the
service token from its Secret, and the network policies open exactly the path from them to intake-api."""

from __future__ import annotations

from tests.deploy.conftest import Rendered, fullname

KEY_CLIENTS = ("matching", "notifications", "feedback")


def _container(r: Rendered, component: str) -> dict:
    (container,) = r.named("Deployment", fullname(component))["spec"]["template"]["spec"]["containers"]
    return container


def test_workers_that_open_sealed_events_ask_intakes_api_with_the_mounted_service_token(
    rendered: dict[str, Rendered],
) -> None:
    r = rendered["production"]
    for name in KEY_CLIENTS:
        env = {e["name"]: e.get("value") for e in _container(r, f"{name}-worker")["env"]}
        assert env["INTAKE_URL"] == f"http://{fullname('intake-api')}:8000"  # the API Service port
        assert env["SERVICE_TOKEN_FILE"] == "/etc/reverse-mentoring/service-token/token"
        volumes = r.named("Deployment", fullname(f"{name}-worker"))["spec"]["template"]["spec"]["volumes"]
        assert {"name": "service-token", "secret": {"secretName": "reverse-mentoring-service-token",
                "items": [{"key": "token", "path": "token"}]}} in volumes  # fmt: skip
    for component in ("intake-worker", "intake-api", "matching-api"):
        names = {e["name"] for e in _container(r, component)["env"]}
        assert not names & {"INTAKE_URL", "SERVICE_TOKEN_FILE"}, component


def test_only_the_key_clients_may_reach_intake_api_for_keys(rendered: dict[str, Rendered]) -> None:
    r = rendered["production"]
    ingress = r.named("NetworkPolicy", fullname("intake-api-keys"))["spec"]
    (rule,) = ingress["ingress"]
    allowed = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for peer in rule["from"]}
    assert allowed == {f"{name}-worker" for name in KEY_CLIENTS}
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    for name in KEY_CLIENTS:
        egress = r.named("NetworkPolicy", fullname(f"{name}-worker-keys"))["spec"]
        assert egress["policyTypes"] == ["Egress"]
        (out,) = egress["egress"]
        assert out["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "intake-api"
    minimal = rendered["minimal"]
    assert not [d for d in minimal.of_kind("NetworkPolicy") if d["metadata"]["name"].endswith("-keys")]
    assert "INTAKE_URL" not in {e["name"] for e in _container(minimal, "intake-worker")["env"]}

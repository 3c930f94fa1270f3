"""The chassis' HTTP behaviour on a real service (intake) backed by real Kafka and FerretDB."""

from __future__ import annotations

import pytest

from services.intake.app import create_app
from shared.auth import dev_token
from tests.support.harness import bearer

PROBLEM = "application/problem+json"


@pytest.fixture
def intake(settings_for):
    settings = settings_for("intake", max_content_length=4096)
    return settings, create_app(settings).test_client()


def test_bad_json_is_a_400_problem_naming_the_body(intake):
    settings, client = intake
    response = client.post(
        "/v1/programs", data="{not json", headers={**bearer(settings), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert "json" in response.get_json()["detail"].lower()


def test_unknown_field_is_a_422_naming_the_field(intake):
    settings, client = intake
    response = client.post(
        "/v1/programs",
        json={
            "name": "P",
            "focus_areas": ["ai-tools"],
            "starts_on": "2027-01-01",
            "ends_on": "2027-02-01",
            "admins": ["E000001"],
            "colour": "blue",
        },
        headers=bearer(settings),
    )
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert [e["field"] for e in response.get_json()["errors"]] == ["colour"]


def test_wrong_type_is_a_422_naming_the_field(intake):
    settings, client = intake
    response = client.post(
        "/v1/programs",
        json={
            "name": 42,
            "focus_areas": ["ai-tools"],
            "starts_on": "2027-01-01",
            "ends_on": "2027-02-01",
            "admins": ["E000001"],
        },
        headers=bearer(settings),
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} == {"name"}


def test_oversized_body_is_a_413_problem(intake):
    settings, client = intake
    response = client.post(
        "/v1/programs", data="x" * 10_000, headers={**bearer(settings), "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.mimetype == PROBLEM
    assert "4096" in response.get_json()["detail"]


def test_unknown_route_and_wrong_method_are_problems(intake):
    _, client = intake
    missing = client.get("/v1/nowhere")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    wrong = client.delete("/v1/programs")
    assert wrong.status_code == 405 and wrong.mimetype == PROBLEM
    assert "GET" in wrong.headers["Allow"]


def test_missing_expired_and_underprivileged_tokens_are_refused(intake):
    settings, client = intake
    assert client.get("/v1/programs").status_code == 401
    expired = dev_token(settings, "E000001", ["admin"], ttl_s=-120)
    response = client.get("/v1/programs", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and "expired" in response.get_json()["detail"].lower()
    forged = client.get("/v1/programs", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
    assert forged.status_code == 401
    participant = client.get("/v1/programs", headers=bearer(settings, "E000009", "participant"))
    assert participant.status_code == 403


def test_health_readiness_metrics_and_openapi_are_served(intake):
    settings, client = intake
    assert client.get("/healthz").get_json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["checks"] == {"mongodb": "ok", "kafka": "ok"}
    client.get("/v1/programs", headers=bearer(settings))
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'http_requests_total{method="GET",route="/v1/programs",service="intake",status="200"}' in metrics
    spec = client.get("/openapi.json").get_json()
    assert "/v1/participants" in spec["paths"]
    assert client.get("/docs").status_code == 200
    assert (
        client.get("/v1/programs", headers={**bearer(settings), "X-Request-ID": "req-123"}).headers[
            "X-Request-ID"
        ]
        == "req-123"
    )


def test_readiness_is_503_while_kafka_is_unreachable(settings_for):
    settings = settings_for("intake", kafka_bootstrap_servers="127.0.0.1:1")
    client = create_app(settings).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["mongodb"] == "ok"
    assert body["checks"]["kafka"].startswith("unavailable")
    assert client.get("/healthz").status_code == 200

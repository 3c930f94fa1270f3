"""No service tells a caller without credentials what is wrong with their body: 401 before any 422."""

from __future__ import annotations

import importlib

import pytest

from tests.support.harness import bearer

PROBLEM = "application/problem+json"
ROUTES = {
    "intake": ("post", "/v1/programs", {"json": {"name": 42, "starts_on": "soon"}}),
    "matching": ("post", "/v1/programs/prog-1/match-runs", {"json": {"dry_run": "maybe", "unknown": 1}}),
    "notifications": ("get", "/v1/me/notifications", {"query_string": {"limit": -1, "unknown": 1}}),
    "feedback": ("put", "/v1/programs/p1/feedback-settings", {"json": {"pulse_k": 1, "cadence_weeks": "x"}}),
}


@pytest.mark.parametrize("service", ROUTES)
def test_a_request_without_a_token_and_with_a_bad_body_is_401_not_422(settings_for, service):
    create_app = importlib.import_module(f"services.{service}.app").create_app
    settings = settings_for(service)
    client = create_app(settings).test_client()
    method, path, request = ROUTES[service]
    response = getattr(client, method)(path, **request)
    assert response.status_code == 401, response.get_json()
    assert response.mimetype == PROBLEM
    assert "errors" not in response.get_json()
    with_token = getattr(client, method)(path, headers=bearer(settings), **request)
    assert with_token.status_code == 422  # the body really is bad: a caller with credentials learns why

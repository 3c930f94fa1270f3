"""Feedback's HTTP API on FerretDB: who sees what (BOLA with the other pair's real ids), and bad input as
problem+json naming the field with nothing half-written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.feedback.app import create_app
from services.feedback.service.schedule import run_due
from tests.support.harness import bearer
from tests.unit.feedback.story import PEOPLE, PROGRAM, begin, end

pytestmark = pytest.mark.integration


@pytest.fixture
def api(settings_for):
    settings = settings_for("feedback")
    app = create_app(settings)
    bus = app.extensions["bus"]
    begin(bus.uow)
    tokens = {pid: bearer(settings, employee, "participant") for pid, (employee, _role) in PEOPLE.items()}
    tokens |= {
        "admin": bearer(settings, "E-ADMIN", "admin"),
        "other_admin": bearer(settings, "E-X", "admin"),
        "hr": bearer(settings, "E-HR", "hr"),
    }
    return app.test_client(), tokens, bus


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def _fields(problem: dict) -> set[str]:
    return {error["field"] for error in problem["errors"]}


def test_each_role_sees_only_what_is_theirs(api):
    client, tokens, _bus = api
    goal = {"area": "strategy", "title": "Learn the plan"}
    assert client.post("/v1/pairings/pr-2/goals", json=goal, headers=tokens["J2"]).status_code == 201
    check_in = {"held_on": "2026-03-03", "duration_minutes": 30, "private_notes": "J2 only"}
    assert client.post("/v1/pairings/pr-2/check-ins", json=check_in, headers=tokens["J2"]).status_code == 201
    for path in ("goals", "check-ins", "insights", "health"):
        _problem(client.get(f"/v1/pairings/pr-2/{path}", headers=tokens["J1"]), 404)
    assert (
        client.get("/v1/pairings/pr-2/goals", headers=tokens["L2"]).get_json()[0]["title"] == "Learn the plan"
    )
    assert (
        client.get("/v1/pairings/pr-2/check-ins", headers=tokens["L2"]).get_json()[0]["private_notes"] is None
    )
    for path in ("goals", "check-ins"):
        _problem(client.get(f"/v1/pairings/pr-2/{path}", headers=tokens["admin"]), 403)
    assert client.get("/v1/pairings/pr-2/health", headers=tokens["admin"]).status_code == 200
    _problem(client.get("/v1/pairings/pr-2/health", headers=tokens["other_admin"]), 404)
    assert client.get(f"/v1/programs/{PROGRAM}/outcomes", headers=tokens["hr"]).status_code == 200
    assert client.get(f"/v1/programs/{PROGRAM}/outcomes", headers=tokens["admin"]).status_code == 200
    _problem(client.get(f"/v1/programs/{PROGRAM}/outcomes", headers=tokens["other_admin"]), 403)
    _problem(client.get(f"/v1/programs/{PROGRAM}/outcomes", headers=tokens["J1"]), 403)
    _problem(client.get(f"/v1/programs/{PROGRAM}/surveys", headers=tokens["other_admin"]), 403)
    _problem(
        client.put(
            f"/v1/programs/{PROGRAM}/feedback-settings",
            json={"cadence_weeks": 1},
            headers=tokens["other_admin"],
        ),
        403,
    )
    csv = client.get(f"/v1/programs/{PROGRAM}/outcomes?format=csv", headers=tokens["hr"])
    assert csv.mimetype == "text/csv" and "pairs.formed,2" in csv.get_data(as_text=True)


def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_written(api):
    client, tokens, bus = api
    future = (date.today() + timedelta(days=1)).isoformat()
    body = _problem(
        client.post(
            "/v1/pairings/pr-1/check-ins",
            json={"held_on": future, "duration_minutes": 30},
            headers=tokens["J1"],
        ),
        422,
    )
    assert _fields(body) == {"held_on"}
    body = _problem(
        client.post(
            "/v1/pairings/pr-1/check-ins",
            json={"held_on": "2026-03-03", "duration_minutes": 0},
            headers=tokens["J1"],
        ),
        422,
    )
    assert _fields(body) == {"duration_minutes"}
    body = _problem(
        client.post("/v1/pairings/pr-1/goals", json={"area": "strategy", "title": "x"}, headers=tokens["L1"]),
        422,
    )
    assert _fields(body) == {"area"}
    _problem(
        client.put(f"/v1/programs/{PROGRAM}/feedback-settings", json={"pulse_k": 2}, headers=tokens["admin"]),
        422,
    )
    run_due(bus, "test", now=datetime(2026, 3, 17, 9, tzinfo=UTC))  # the fit check opens
    body = _problem(
        client.put(
            "/v1/pairings/pr-1/surveys/fit_check",
            json={"answers": {"rapport": 9, "nope": 1}},
            headers=tokens["J1"],
        ),
        422,
    )
    assert _fields(body) == {"answers.rapport", "answers.nope"}
    assert bus.uow.survey_answers.of_pairing("pr-1") == [] and bus.uow.check_ins.of_pairing("pr-1") == []
    assert bus.uow.goals.of_pairing("pr-1") == []
    end(bus, "pr-1", datetime(2026, 3, 20, tzinfo=UTC))
    _problem(
        client.post("/v1/pairings/pr-1/goals", json={"area": "strategy", "title": "x"}, headers=tokens["J1"]),
        409,
    )

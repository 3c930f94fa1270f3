"""Feedback on the real servers, from matching's ``pairing.activated`` to the outcome report: matching's
worker activates a pairing, feedback's worker follows it, both sides write through the API, the scheduler
(run with a clock five weeks on) finds the cadence missed, and the ``pairing_at_risk`` it publishes
reaches matching's worker through Kafka, which ends the pairing and rematches the leader."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.feedback.app import create_app
from services.feedback.service import build_bus
from services.feedback.service.schedule import run_due
from services.feedback.store import MongoFeedbackUnitOfWork
from services.feedback.worker import build_worker
from shared.contracts import FEEDBACK
from shared.mongo import now as stored_now
from tests.integration.matching.conftest import ADMIN, cohort_events, person, program
from tests.integration.matching.conftest import matching as matching  # the fixture
from tests.support.harness import bearer, read_topic, running, wait_for

pytestmark = pytest.mark.integration
PROG = "prog-feedback"


def _call(client, method: str, path: str, headers: dict, expect: int, **body):
    response = client.open(path, method=method, json=body or None, headers=headers)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response.get_json() if response.mimetype.endswith("json") else response.get_data(as_text=True)


def _rematched(matching) -> bool:
    runs = matching.get(f"/v1/programs/{PROG}/match-runs")["items"]
    return any(run["kind"] == "rematch" for run in runs)


def test_a_pairing_from_activation_to_the_outcome_report_and_a_rematch_when_it_goes_at_risk(
    matching, settings_for
):
    settings = settings_for("feedback")
    app = create_app(settings)
    feedback = app.test_client()
    leader, junior = bearer(settings, "E901", "participant"), bearer(settings, "E902", "participant")
    hr, admin = bearer(settings, "E-HR", "hr"), bearer(settings, ADMIN, "admin")
    people = [
        person(PROG, "L1", "leader", employee_id="E901"),
        person(PROG, "J1", "junior", employee_id="E902"),
        person(PROG, "J2", "junior", employee_id="E903", topics_to_teach=["gen-z-consumer-trends"]),
    ]
    matching.send(cohort_events(program(PROG), people))
    with matching.worker(), running(build_worker(settings), settings):
        matching.wait_projected(PROG, 3)
        run = matching.run(PROG, seed=1)
        matching.post(f"/v1/match-runs/{run['match_run_id']}/publish", matching.admin)
        pairing = next(
            p for p in matching.get("/v1/pairings", program_id=PROG)["items"] if p["leader_id"] == "L1"
        )
        base = f"/v1/pairings/{pairing['pairing_id']}"
        matching.post(f"{base}/accept", matching.participant("E901"))
        matching.post(f"{base}/accept", matching.participant("E902"))

        def known_active() -> bool:
            response = feedback.get(f"{base}/health", headers=admin)
            return response.status_code == 200 and response.get_json()["state"] == "active"

        wait_for(known_active, timeout_s=60)
        wait_for(lambda: feedback.get(f"{base}/goals", headers=junior).status_code == 200)
        goal = _call(
            feedback, "POST", f"{base}/goals", leader, 201, area="ai-tools", title="Prompting weekly"
        )
        _call(feedback, "POST", f"{base}/goals", junior, 201, area="strategy", title="Read the plan")
        _call(feedback, "POST", f"{base}/goals/{goal['goal_id']}/progress", leader, 200, status="achieved")
        today = stored_now().date().isoformat()
        _call(
            feedback,
            "POST",
            f"{base}/check-ins",
            junior,
            201,
            held_on=today,
            duration_minutes=40,
            shared_notes="Reels",
            private_notes="junior only",
        )
        insight = _call(
            feedback, "POST", f"{base}/insights", junior, 201, area="ads", description="Too formal"
        )
        _call(
            feedback,
            "POST",
            f"{base}/insights/{insight['insight_id']}/acted-upon",
            leader,
            200,
            what_changed="New tone of voice",
        )
        assert _call(feedback, "GET", f"{base}/check-ins", leader, 200)[0]["private_notes"] is None

        report = _call(feedback, "GET", f"/v1/programs/{PROG}/outcomes", hr, 200)
        assert report["pairs"] == {"formed": 1, "active": 1, "ended": 0, "ended_early": 0}
        assert report["goals"]["attainment_rate"] == 0.5 and report["check_ins"]["per_pairing"] == 1.0
        assert report["insights"]["acted_upon"] == 1
        assert "insights.acted_upon,1" in _call(feedback, "GET", f"/v1/programs/{PROG}/outcomes.csv", hr, 200)

        later = stored_now() + timedelta(weeks=5)
        run_due(
            build_bus(MongoFeedbackUnitOfWork(app.extensions["db"], clock=lambda: later)), "test", now=later
        )
        matching.wait_for(lambda: _rematched(matching))
        matching.wait_for(lambda: matching.get(base)["state"] == "ended")
        wait_for(lambda: feedback.get(f"{base}/health", headers=admin).get_json()["state"] == "ended")
        final = _call(feedback, "GET", f"/v1/programs/{PROG}/outcomes", hr, 200)
    assert matching.get(base)["end_kind"] == "rematch"
    assert final["pairs"] == {"formed": 1, "active": 0, "ended": 1, "ended_early": 1}
    assert final["early_closure_rate"] == 1.0
    published = [json.loads(r.value) for r in read_topic(settings, settings.topic(FEEDBACK), expected=7)]
    types = {e["type"].split(".")[2] for e in published}
    assert {
        "goal_set",
        "goal_completed",
        "checkin_logged",
        "insight_raised",
        "insight_acted_upon",
        "checkin_due",
        "pairing_at_risk",
    } <= types
    at_risk = next(e["data"] for e in published if e["type"].endswith("pairing_at_risk.v1"))
    assert at_risk["reason"] == "missed_check_ins" and (at_risk["leader_id"], at_risk["junior_id"]) == (
        "L1",
        "J1",
    )
    assert "Too formal" not in json.dumps(published) and "junior only" not in json.dumps(published)

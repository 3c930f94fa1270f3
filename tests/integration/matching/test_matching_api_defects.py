"""Regression tests, through the API on real FerretDB, for defects found while reshaping matching's
service layer: auth before parsing, explain after publish, explaining a leader alone, real runs while
enrolling, and a decline's free text kept out of published events."""

from __future__ import annotations

import json
import re

import pytest

from shared.auth import declared_roles
from tests.integration.matching.conftest import cohort_events, event, person, program
from tests.support.harness import bearer


def _cohort(matching, prog: str, status: str = "matching") -> None:
    people = [
        person(prog, "L1", "leader", employee_id="E1"),
        person(prog, "L2", "leader", employee_id="E2", topics_to_learn=["gen-z-consumer-trends"]),
        person(prog, "J1", "junior", employee_id="E10"),
    ]
    matching.apply(cohort_events(program(prog, status=status), people))


def _routes(matching) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every business route: method, a concrete path and the roles it declares."""
    app = matching.client.application
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/v1/"):
            roles = declared_roles(app.view_functions[rule.endpoint]) or ()
            path = re.sub(r"<[^>]+>", "x", rule.rule)
            found += [(method, path, roles) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_every_matching_route_checks_the_token_and_role_before_it_parses_the_request(matching):
    routes = _routes(matching)
    assert len(routes) >= 15
    bad = {"query_string": {"page": "-1", "state": "nonsense"}, "json": {"unknown_field": 1}}
    for method, path, roles in routes:
        anonymous = matching.client.open(path, method=method, **bad)
        assert anonymous.status_code == 401, (method, path, anonymous.get_json())
        lacking = next(r for r in ("hr", "participant", "admin") if r not in roles)
        headers = bearer(matching.settings, "E123", lacking)
        wrong_role = matching.client.open(path, method=method, headers=headers, **bad)
        assert wrong_role.status_code == 403, (method, path, lacking, wrong_role.get_json())


def test_a_real_run_is_refused_while_the_program_is_enrolling_and_a_dry_run_is_not(matching):
    _cohort(matching, "still-open", status="enrolling")
    response = matching.client.post("/v1/programs/still-open/match-runs", json={}, headers=matching.admin)
    assert response.status_code == 409 and response.get_json()["code"] == "program_status"
    assert matching.run("still-open", dry_run=True)["dry_run"]


def test_explain_right_after_publishing_reports_unchanged_inputs(matching):
    _cohort(matching, "fresh")
    run = matching.run("fresh", seed=1)
    path = f"/v1/match-runs/{run['match_run_id']}"
    assert matching.get(f"{path}/explain", leader="L1", junior="J1")["inputs_changed"] is False
    matching.post(f"{path}/publish", matching.admin)
    after = matching.get(f"{path}/explain", leader="L1", junior="J1")
    assert after["inputs_changed"] is False and after["proposed"]


def test_explain_answers_why_a_leader_was_not_matched_without_naming_a_junior(matching):
    _cohort(matching, "why")
    run = matching.run("why", seed=1)
    why = matching.get(f"/v1/match-runs/{run['match_run_id']}/explain", leader="L2")
    assert why["leader_id"] == "L2" and why["junior_id"] is None and why["proposed"] is False
    assert "capacity_exhausted" in why["why_not"]
    assert why["best_candidates"][0]["junior_id"] == "J1" and why["feasible_juniors"] == 1


@pytest.mark.parametrize("erased", ["J1", "L1"])
def test_a_decline_publishes_no_free_text_and_an_erasure_removes_the_stored_text(matching, erased):
    _cohort(matching, f"decline-{erased}")
    prog = f"decline-{erased}"
    run = matching.run(prog, seed=1)
    matching.post(f"/v1/match-runs/{run['match_run_id']}/publish", matching.admin)
    pairing = next(
        p for p in matching.get("/v1/pairings", program_id=prog)["items"] if p["leader_id"] == "L1"
    )
    text = "my manager Alice Example is on sick leave"
    path = f"/v1/pairings/{pairing['pairing_id']}"
    declined = matching.post(f"{path}/decline", matching.participant("E10"), reason="workload", text=text)
    assert declined["decline_reason"] == "workload" and declined["decline_text"] == text

    outbox = [e for e in matching.bus.uow.pending() if e.type == "mentoring.pairing.declined.v1"]
    assert outbox and all(text not in json.dumps(e.to_dict()) for e in outbox)
    assert all(e.data["reason"] is None and e.data["decline_reason"] == "workload" for e in outbox)

    matching.apply([event("mentoring.participant.erased.v1", {"participant_id": erased, "program_id": prog})])
    stored = matching.db["pairings"].find_one({"_id": pairing["pairing_id"]})
    assert stored["decline_text"] is None and text not in json.dumps(stored, default=str)

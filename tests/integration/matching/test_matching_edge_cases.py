"""Bad input and edge cases: each answered with a clear problem+json (or a clear run), on real FerretDB."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

import services.matching.service.runs as runs_module
from tests.integration.matching.conftest import cohort_events, event, person, program
from tests.support.harness import bearer


def _cohort(matching, prog: str, leaders: int, juniors: int, **program_rules) -> None:
    people = [person(prog, f"L{i}", "leader", employee_id=f"E9{i:02d}") for i in range(leaders)]
    people += [person(prog, f"J{i}", "junior", employee_id=f"E8{i:02d}") for i in range(juniors)]
    matching.apply(cohort_events(program(prog, **program_rules), people))


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    return response.get_json()


def test_unknown_program_is_404(matching):
    body = _problem(
        matching.client.post("/v1/programs/nope/match-runs", json={}, headers=matching.admin), 404
    )
    assert "nope" in body["detail"]


def test_participants_without_their_program_mean_a_stale_projection_409(matching):
    matching.apply([event("mentoring.participant.registered.v1", person("late", "L1", "leader"))])
    body = _problem(
        matching.client.post("/v1/programs/late/match-runs", json={}, headers=matching.admin), 409
    )
    assert body["code"] == "stale_projection" and "behind" in body["detail"]


def test_fewer_participants_than_the_admin_expects_is_a_stale_projection_409(matching):
    _cohort(matching, "p", 2, 2)
    response = matching.client.post(
        "/v1/programs/p/match-runs", json={"expected_leaders": 3}, headers=matching.admin
    )
    body = _problem(response, 409)
    assert body["code"] == "stale_projection" and "2 of the 3" in body["detail"]


def test_empty_cohort_is_409_naming_what_is_missing(matching):
    _cohort(matching, "empty", 0, 0)
    body = _problem(
        matching.client.post("/v1/programs/empty/match-runs", json={}, headers=matching.admin), 409
    )
    assert body["code"] == "empty_cohort"
    _cohort(matching, "nojuniors", 2, 0)
    body = _problem(
        matching.client.post("/v1/programs/nojuniors/match-runs", json={}, headers=matching.admin), 409
    )
    assert "juniors with a free place" in body["detail"]


def test_all_pairs_infeasible_is_422_with_each_leaders_reason(matching):
    _cohort(matching, "gap", 2, 2, min_seniority_gap=8)
    body = _problem(matching.client.post("/v1/programs/gap/match-runs", json={}, headers=matching.admin), 422)
    assert body["code"] == "all_pairs_infeasible"
    assert {u["reason"] for u in body["unmatched"]} == {"no_feasible_junior"}
    assert "seniority_gap rules out 2" in body["unmatched"][0]["detail"]


def test_more_leaders_than_junior_places_pairs_the_best_and_waitlists_the_rest(matching):
    _cohort(matching, "scarce", 3, 1)
    run = matching.run("scarce")
    assert len(run["proposals"]) == 1 and len(run["unmatched"]) == 2
    assert {u["reason"] for u in run["unmatched"]} == {"capacity_exhausted"}
    assert any(w.startswith("capacity: 3 leaders") for w in run["warnings"])
    matching.post(f"/v1/match-runs/{run['match_run_id']}/publish", matching.admin)
    waiting = matching.get("/v1/programs/scarce/waitlist")["items"]
    assert sorted(w["leader_id"] for w in waiting) == sorted(u["leader_id"] for u in run["unmatched"])


@pytest.mark.parametrize(
    ("weights", "field"),
    [
        ({"topic_fit": -0.1}, "weights.topic_fit"),
        ({"availability": 2}, "weights.availability"),
        ({"charisma": 0.5}, "weights.charisma"),
        ({"topic_fit": "a lot"}, "weights.topic_fit"),
        (
            dict.fromkeys(("topic_fit", "reverse_fit", "availability", "language", "focus", "diversity"), 0),
            "weights",
        ),
    ],
)
def test_invalid_weights_are_422_naming_the_field(matching, weights, field):
    _cohort(matching, "w", 1, 1)
    response = matching.client.post(
        "/v1/programs/w/match-runs", json={"weights": weights}, headers=matching.admin
    )
    body = _problem(response, 422)
    assert field in [e["field"] for e in body["errors"]], body


def test_second_concurrent_run_on_one_program_is_409_and_the_first_completes(matching, monkeypatch):
    _cohort(matching, "busy", 2, 2)
    solving, release = threading.Event(), threading.Event()
    real_solve = runs_module.solve

    def slow_solve(*args, **kwargs):
        solving.set()
        release.wait(30)
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(runs_module, "solve", slow_solve)
    first: dict = {}
    thread = threading.Thread(
        target=lambda: first.update(
            response=matching.client.post("/v1/programs/busy/match-runs", json={}, headers=matching.admin)
        )
    )
    thread.start()
    try:
        assert solving.wait(30)
        body = _problem(
            matching.client.post(
                "/v1/programs/busy/match-runs", json={"dry_run": True}, headers=matching.admin
            ),
            409,
        )
        assert body["code"] == "run_in_progress"
    finally:
        release.set()
        thread.join(30)
    assert first["response"].status_code == 201
    assert matching.run("busy", dry_run=True)["dry_run"]  # the lock is released afterwards


def test_an_expired_run_lock_no_longer_blocks_the_program(matching):
    locks = matching.bus.uow.run_lock
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    assert locks.acquire("crashed", "run-that-died", long_ago)
    assert not locks.acquire("crashed", "another", long_ago + timedelta(seconds=1))
    assert locks.acquire("crashed", "after-expiry", datetime.now(UTC))


def test_declining_an_already_ended_pairing_is_409(matching):
    _cohort(matching, "ended", 1, 1)
    run = matching.run("ended")
    matching.post(f"/v1/match-runs/{run['match_run_id']}/publish", matching.admin)
    pairing = matching.get("/v1/pairings", program_id="ended")["items"][0]
    path = f"/v1/pairings/{pairing['pairing_id']}"
    matching.post(f"{path}/end", matching.participant("E900"), kind="early", reason="moved to another role")
    response = matching.client.post(
        f"{path}/decline", json={"reason": "other"}, headers=matching.participant("E800")
    )
    body = _problem(response, 409)
    assert body["code"] == "invalid_transition" and "ended" in body["detail"]
    _problem(
        matching.client.post(f"{path}/end", json={"kind": "planned", "reason": "x"}, headers=matching.admin),
        409,
    )


def test_only_the_programs_admins_run_and_only_the_two_participants_see_a_pairing(matching):
    _cohort(matching, "acl", 1, 1)
    other_admin = {"Authorization": matching.admin["Authorization"]}
    _problem(
        matching.client.post("/v1/programs/acl/match-runs", json={}, headers=matching.participant("E900")),
        403,
    )
    stranger = bearer(matching.settings, "E999999", "admin")
    _problem(matching.client.post("/v1/programs/acl/match-runs", json={}, headers=stranger), 403)
    run = matching.run("acl")
    matching.post(f"/v1/match-runs/{run['match_run_id']}/publish", other_admin)
    pairing = matching.get("/v1/pairings", program_id="acl")["items"][0]
    path = f"/v1/pairings/{pairing['pairing_id']}"
    _problem(matching.client.get(path, headers=matching.participant("E123456")), 404)
    _problem(matching.client.post(f"{path}/accept", headers=matching.participant("E123456")), 404)
    assert matching.get(path, matching.participant("E800"))["pairing_id"] == pairing["pairing_id"]


def test_a_dry_run_cannot_be_published_and_a_run_is_published_once(matching):
    _cohort(matching, "once", 1, 1)
    dry = matching.run("once", dry_run=True)
    body = _problem(
        matching.client.post(f"/v1/match-runs/{dry['match_run_id']}/publish", headers=matching.admin), 409
    )
    assert body["code"] == "dry_run"


def test_the_openapi_document_describes_bodies_and_problem_answers(matching):
    spec = matching.client.get("/openapi.json").get_json()
    run = spec["paths"]["/v1/programs/{program_id}/match-runs"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(run["responses"])
    assert "application/problem+json" in run["responses"]["409"]["content"]
    assert "requestBody" in run
    decline = spec["paths"]["/v1/pairings/{pairing_id}/decline"]["post"]
    assert "404" in decline["responses"] and "409" in decline["responses"]

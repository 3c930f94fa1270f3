"""Declines, the waitlist and rematches, at-risk signals and erasure, driven by events on the real broker."""

from __future__ import annotations

import json

from services.matching.store import schema as store
from services.matching.store.mongo_runs import unpack
from tests.integration.matching.conftest import cohort_events, event, person, program


def _publish_run(matching, program_id: str) -> dict:
    run = matching.run(program_id, seed=1)
    matching.post(f"/v1/match-runs/{run['match_run_id']}/publish", matching.admin)
    return run


def _pairing_of(matching, program_id: str, leader_id: str, state: str | None = None) -> dict:
    query = {"program_id": program_id, **({"state": state} if state else {})}
    items = matching.get("/v1/pairings", **query)["items"]
    return next(p for p in items if p["leader_id"] == leader_id)


def _active_pairing_path(matching, program_id: str, leader: tuple[str, str], junior_employee_id: str) -> str:
    """Publish a run and have both sides accept the leader's pairing; its API path."""
    leader_id, leader_employee_id = leader
    _publish_run(matching, program_id)
    path = f"/v1/pairings/{_pairing_of(matching, program_id, leader_id)['pairing_id']}"
    matching.post(f"{path}/accept", matching.participant(leader_employee_id))
    matching.post(f"{path}/accept", matching.participant(junior_employee_id))
    return path


def _rematch_proposals(matching, program_id: str) -> list[tuple[str, str]]:
    runs = matching.get(f"/v1/programs/{program_id}/match-runs")["items"]
    pairs = []
    for summary in runs:
        if summary["kind"] == "rematch":
            run = matching.get(f"/v1/match-runs/{summary['match_run_id']}")
            pairs += [(p["leader_id"], p["junior_id"]) for p in run["proposals"]]
    return pairs


def test_declined_pair_is_excluded_and_the_leader_is_rematched_when_a_new_junior_registers(matching):
    prog = "prog-decline"
    people = [
        person(prog, "L1", "leader", employee_id="E301"),
        person(prog, "L2", "leader", employee_id="E302", topics_to_learn=["gen-z-consumer-trends"]),
        person(prog, "J1", "junior", employee_id="E401"),
    ]
    matching.send(cohort_events(program(prog), people))
    with matching.worker():
        matching.wait_projected(prog, 3)
        run = _publish_run(matching, prog)
        assert [(p["leader_id"], p["junior_id"]) for p in run["proposals"]] == [("L1", "J1")]
        assert run["unmatched"][0]["reason"] == "capacity_exhausted"
        assert [w["leader_id"] for w in matching.get(f"/v1/programs/{prog}/waitlist")["items"]] == ["L2"]

        pairing = _pairing_of(matching, prog, "L1")
        declined = matching.post(
            f"/v1/pairings/{pairing['pairing_id']}/decline", matching.participant("E401"),
            reason="schedule_conflict", text="my team moves to nights",
        )  # fmt: skip
        assert declined["state"] == "declined" and declined["decline_reason"] == "schedule_conflict"
        matching.post(
            f"/v1/pairings/{pairing['pairing_id']}/decline", matching.participant("E301"), expect=409,
            reason="other",
        )  # fmt: skip
        waiting = {
            w["leader_id"]: w["reason"] for w in matching.get(f"/v1/programs/{prog}/waitlist")["items"]
        }
        assert waiting == {"L1": "declined", "L2": "capacity_exhausted"}
        # the freed place went to L2 at once; L1-J1 is excluded from now on
        assert _rematch_proposals(matching, prog) == [("L2", "J1")]
        why = matching.get(f"/v1/match-runs/{run['match_run_id']}/explain", leader="L1", junior="J1")
        assert why["violated"][0]["constraint"] == "exclusion" and why["inputs_changed"]

        matching.send(
            [event("mentoring.participant.registered.v1", person(prog, "J2", "junior", employee_id="E402"))]
        )
        matching.wait_for(lambda: ("L1", "J2") in _rematch_proposals(matching, prog))
    assert ("L1", "J1") not in _rematch_proposals(matching, prog)


def test_pairing_at_risk_ends_it_and_rematches_the_leader_with_another_junior(matching):
    prog = "prog-risk"
    people = [
        person(prog, "L1", "leader", employee_id="E501"),
        person(prog, "J1", "junior", employee_id="E601"),
        person(prog, "J2", "junior", employee_id="E602", topics_to_teach=["gen-z-consumer-trends"]),
    ]
    matching.send(cohort_events(program(prog), people))
    with matching.worker():
        matching.wait_projected(prog, 3)
        _publish_run(matching, prog)
        pairing = _pairing_of(matching, prog, "L1")
        assert pairing["junior_id"] == "J1"
        path = f"/v1/pairings/{pairing['pairing_id']}"
        matching.post(f"{path}/accept", matching.participant("E501"))
        matching.post(f"{path}/accept", matching.participant("E601"))

        at_risk = {"pairing_id": pairing["pairing_id"], "program_id": prog, "reason": "three missed sessions"}
        matching.send([event("mentoring.feedback.pairing_at_risk.v1", at_risk, key=pairing["pairing_id"])])
        matching.wait_for(lambda: _rematch_proposals(matching, prog) == [("L1", "J2")])
        ended = matching.get(path)
        assert ended["state"] == "ended" and ended["end_kind"] == "rematch"
        matching.post(f"{path}/decline", matching.participant("E601"), expect=409, reason="other")
        envelopes = matching.pairing_events(expected=8)  # + the rematch proposal
    types = [e["type"].split(".")[2] for e in envelopes if e["data"]["pairing_id"] == pairing["pairing_id"]]
    assert types == [
        "proposed",
        "published",
        "accepted",
        "accepted",
        "activated",
        "ended",
        "rematch_requested",
    ]


def test_erased_junior_leaves_no_personal_data_and_their_active_pairing_ends_with_reason_erased(matching):
    prog = "prog-erase"
    people = [
        person(prog, "L1", "leader", employee_id="E701"),
        person(prog, "J1", "junior", employee_id="E801"),
    ]
    matching.send(cohort_events(program(prog), people))
    with matching.worker():
        matching.wait_projected(prog, 2)
        path = _active_pairing_path(matching, prog, ("L1", "E701"), "E801")

        erased = {"participant_id": "J1", "program_id": prog}  # as intake sends it: ids only
        matching.send([event("mentoring.participant.erased.v1", erased)])
        matching.wait_for(lambda: matching.get(path)["state"] == "ended")

    ended = matching.get(path)
    assert ended["end_kind"] == "erased" and ended["reason"] == "erased"
    assert ended["junior_employee_id"] is None and ended["leader_employee_id"] == "E701"
    assert matching.get("/v1/participants/J1", expect=404)
    waiting = matching.get(f"/v1/programs/{prog}/waitlist")["items"]
    assert [(w["leader_id"], w["reason"]) for w in waiting] == [("L1", "partner_erased")]
    db = matching.db
    # Every collection, read models included; reporting lines are HR's org chart, not the person's profile.
    hr_chart = {store.ORGCHART, store.CHART_SNAPSHOTS}
    for name in sorted(set(db.list_collection_names()) - hr_chart):
        for document in db[name].find({}, {"outbox": 0}):
            text = json.dumps(document, default=str)
            assert "E801" not in text, f"{name} still holds the erased employee: {text[:300]}"
            assert "Technology" not in text or name not in (store.PARTICIPANTS, store.COHORTS)
    runs = [unpack(r) for r in db[store.MATCH_RUNS].find({})]  # proposals are stored packed (JSON)
    assert all("J1" not in r["participant_ids"] for r in runs)
    assert any(p["junior_id"] == "erased" for r in runs for p in r["proposals"])


def test_a_withdrawn_junior_ends_their_live_pairing_early_and_their_leader_waits_for_a_new_junior(matching):
    prog = "prog-withdraw"
    people = [
        person(prog, "L1", "leader", employee_id="E711"),
        person(prog, "L2", "leader", employee_id="E712"),
        person(prog, "J1", "junior", employee_id="E811"),
    ]
    matching.send(cohort_events(program(prog), people))
    with matching.worker():
        matching.wait_projected(prog, 3)
        path = _active_pairing_path(matching, prog, ("L1", "E711"), "E811")
        assert matching.get(path)["state"] == "active"
        assert [w["leader_id"] for w in matching.get(f"/v1/programs/{prog}/waitlist")["items"]] == ["L2"]

        withdrawals = [
            {"participant_id": "J1", "program_id": prog, "employee_id": "E811", "reason": None},
            {"participant_id": "L2", "program_id": prog, "employee_id": "E712", "reason": None},
        ]
        matching.send([event("mentoring.participant.withdrawn.v1", w) for w in withdrawals])
        matching.wait_for(lambda: matching.get(path)["state"] == "ended")

        def waitlist() -> list[tuple[str, str]]:
            entries = matching.get(f"/v1/programs/{prog}/waitlist")["items"]
            return [(w["leader_id"], w["reason"]) for w in entries]

        # L1 waits for a new junior; the withdrawn leader L2 has left the waitlist.
        matching.wait_for(lambda: waitlist() == [("L1", "partner_withdrew")])

    ended = matching.get(path)
    assert (ended["end_kind"], ended["reason"]) == ("early", "participant withdrew")
    assert matching.get("/v1/participants/J1")["status"] == "withdrawn"

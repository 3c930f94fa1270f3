"""The admin's and participants' journey: intake's events → projection → dry run → run → override →
publish (events on Kafka) → both accept → active → end, on the real broker and FerretDB."""

from __future__ import annotations

from tests.integration.matching.conftest import ADMIN, cohort_events, person, program

PROGRAM = "prog-journey"


def _cohort():
    leaders = [person(PROGRAM, f"L{i}", "leader", employee_id=f"E10{i}") for i in (1, 2, 3)]
    juniors = [person(PROGRAM, f"J{i}", "junior", employee_id=f"E20{i}") for i in (1, 2, 3)]
    # J4 reports to leader L1: the reporting chain forbids that pair
    juniors.append(
        person(
            PROGRAM,
            "J4",
            "junior",
            employee_id="E204",
            manager_id="E101",
            topics_to_teach=[],
            growth_goals=[],
        )
    )
    return leaders + juniors


def test_admin_runs_reviews_and_publishes_and_both_sides_accept(matching):
    matching.send(cohort_events(program(PROGRAM), _cohort()))
    with matching.worker():
        matching.wait_projected(PROGRAM, 7)

        dry = matching.run(PROGRAM, dry_run=True, seed=7)
        assert dry["dry_run"] and dry["kind"] == "run"
        assert len(dry["proposals"]) == 3 and dry["inputs_hash"].startswith("sha256:")
        assert {d["leader_id"] for d in dry["diff"]["added"]} == {"L1", "L2", "L3"}
        assert dry["diff"]["removed"] == []
        first = dry["proposals"][0]
        assert set(first["components"]) == {
            "topic_fit", "reverse_fit", "availability", "language", "focus", "diversity"
        }  # fmt: skip
        assert "reporting_chain" in first["constraints_checked"]

        run = matching.run(PROGRAM, seed=7)
        assert run["inputs_hash"] == dry["inputs_hash"]
        assert [(p["leader_id"], p["junior_id"]) for p in run["proposals"]] == [
            (p["leader_id"], p["junior_id"]) for p in dry["proposals"]
        ]
        assert matching.get(f"/v1/match-runs/{run['match_run_id']}")["proposals"] == run["proposals"]
        again = matching.run(PROGRAM, dry_run=True, seed=7)
        assert again["diff"]["added"] == [] and len(again["diff"]["unchanged"]) == 3

        run_path = f"/v1/match-runs/{run['match_run_id']}"
        why_not = matching.get(f"{run_path}/explain", leader="L1", junior="J4")
        assert why_not["feasible"] is False and not why_not["proposed"]
        assert [v["constraint"] for v in why_not["violated"]] == ["reporting_chain"]
        l1 = next(p for p in run["proposals"] if p["leader_id"] == "L1")
        other = next(j for j in ("J1", "J2", "J3") if j != l1["junior_id"])
        why = matching.get(f"{run_path}/explain", leader="L1", junior=other)
        assert why["feasible"] and not why["proposed"] and "optimum" in why["why_not"]

        refused = matching.post(
            f"{run_path}/overrides",
            matching.admin,
            expect=422,
            action="assign",
            leader_id="L1",
            junior_id="J4",
        )
        assert refused["errors"][0]["field"] == "reason" and "reporting_chain" in refused["detail"]
        reviewed = matching.post(
            f"{run_path}/overrides", matching.admin, action="assign", leader_id="L1", junior_id="J4",
            reason="J4 moved teams last week; HR confirmed",
        )  # fmt: skip
        audit = reviewed["overrides"][-1]
        assert audit["by"] == ADMIN and audit["reason"].startswith("J4 moved")
        assert [v["constraint"] for v in audit["violations"]] == ["reporting_chain"]
        assert ("L1", "J4") in {(p["leader_id"], p["junior_id"]) for p in reviewed["proposals"]}

        published = matching.post(f"{run_path}/publish", matching.admin)
        assert published["status"] == "published"
        matching.post(f"{run_path}/publish", matching.admin, expect=409)

        pairings = matching.get("/v1/pairings", program_id=PROGRAM)["items"]
        assert len(pairings) == 3 and {p["state"] for p in pairings} == {"published"}
        pairing = next(p for p in pairings if p["leader_id"] == "L2")
        path = f"/v1/pairings/{pairing['pairing_id']}"
        junior_employee = pairing["junior_employee_id"]

        assert matching.post(f"{path}/accept", matching.participant("E103"), expect=404)
        mine = matching.get("/v1/pairings", matching.participant("E102"), program_id=PROGRAM)["items"]
        assert [p["pairing_id"] for p in mine] == [pairing["pairing_id"]]
        assert matching.post(f"{path}/accept", matching.participant("E102"))["state"] == "accepted"
        active = matching.post(f"{path}/accept", matching.participant(junior_employee))
        assert active["state"] == "active" and active["acceptance"] == {
            "leader": "accepted",
            "junior": "accepted",
        }

        ended = matching.post(f"{path}/end", matching.admin, kind="planned", reason="programme finished")
        assert ended["state"] == "ended" and ended["end_kind"] == "planned"

        # proposed x4 (3 + the override), published x3, accepted x2, activated, ended
        envelopes = matching.pairing_events(expected=11)
    types = [e["type"].split(".")[2] for e in envelopes]
    assert sorted(types) == sorted(
        ["proposed"] * 4 + ["published"] * 3 + ["accepted"] * 2 + ["activated", "ended"]
    )
    assert all(e["_key"] == e["data"]["pairing_id"] == e["subject"] for e in envelopes)
    mine = [e["type"].split(".")[2] for e in envelopes if e["data"]["pairing_id"] == pairing["pairing_id"]]
    assert mine == ["proposed", "published", "accepted", "accepted", "activated", "ended"]

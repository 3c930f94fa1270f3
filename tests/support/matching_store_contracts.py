"""Contract tests of matching's store ports, projection, match runs and run lock here (pairings, waitlist
and conflicts in ``matching_pairing_contracts``): one abstract class per port, run against the in-memory
twins (tests/unit/matching) and the Mongo adapters on FerretDB (tests/integration/matching). Subclasses
provide the ``uow`` fixture: an empty ``MatchingUnitOfWork``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.contracts.types import MatchRunCompleted
from shared.errors import StaleWrite
from shared.events.envelope import make_event

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(minutes: int):
    return make_event(
        "mentoring.participant.updated.v1", "/tests", "x", {}, time=T0 + timedelta(minutes=minutes)
    )


def person(pid: str, program: str = "p1", role: str = "leader", status: str = "enrolled") -> dict:
    return {
        "participant_id": pid,
        "program_id": program,
        "role": role,
        "status": status,
        "employee_id": f"E-{pid}",
    }


class UnitOfWorkFixture:
    @pytest.fixture
    def uow(self):
        raise NotImplementedError


class ProjectionContract(UnitOfWorkFixture):
    def test_a_saved_participant_reads_back_without_storage_fields(self, uow):
        assert uow.projection.save_participant(person("a"), at(1))
        assert uow.projection.participant("a") == person("a")
        assert uow.projection.participant("missing") is None

    def test_an_older_event_changes_nothing_and_a_newer_one_applies(self, uow):
        uow.projection.save_participant(person("a"), at(5))
        assert not uow.projection.save_participant({**person("a"), "role": "junior"}, at(4))
        assert uow.projection.participant("a")["role"] == "leader"
        assert uow.projection.set_participant_status("a", "withdrawn", at(6))
        assert uow.projection.participant("a")["status"] == "withdrawn"

    def test_the_cohort_is_the_programs_enrolled_people_by_id_with_their_event_time(self, uow):
        for pid, program, role, status in [
            ("c", "p1", "junior", "enrolled"),
            ("a", "p1", "leader", "enrolled"),
            ("b", "p1", "leader", "withdrawn"),
            ("d", "p2", "leader", "enrolled"),
        ]:
            uow.projection.save_participant(person(pid, program, role, status), at(1))
        cohort = uow.projection.cohort("p1")
        assert [p["participant_id"] for p in cohort] == ["a", "c"]
        assert cohort[0] == {**person("a"), "_event_time": T0 + timedelta(minutes=1)}
        assert uow.projection.cohort("nobody") == []

    def test_the_cohort_follows_withdrawal_re_enrolment_and_ignores_older_events(self, uow):
        uow.projection.save_participant(person("a"), at(1))
        uow.projection.cohort("p1")
        uow.projection.set_participant_status("a", "withdrawn", at(3))
        assert uow.projection.cohort("p1") == []
        uow.projection.save_participant(person("a"), at(2))  # older than the withdrawal: ignored
        assert uow.projection.cohort("p1") == []
        uow.projection.save_participant({**person("a"), "role": "junior"}, at(4))
        assert [p["role"] for p in uow.projection.cohort("p1")] == ["junior"]

    def test_an_erased_participant_stays_a_tombstone_that_no_event_revives(self, uow):
        uow.projection.save_participant(person("a"), at(1))
        uow.projection.cohort("p1")
        uow.projection.forget_participant("a", "p1", at(2))
        assert not uow.projection.save_participant(person("a"), at(9))
        assert uow.projection.participant("a") == {
            "participant_id": "a",
            "program_id": "p1",
            "status": "erased",
        }
        assert uow.projection.cohort("p1") == []
        assert uow.projection.participants("p1", None, 0, 10) == ([], 0)
        assert uow.projection.has_participants("p1")

    def test_any_participant_id_is_safe_in_the_cohort(self, uow):
        for pid in ("a.b", "$x", "ü/ß"):
            uow.projection.save_participant(person(pid), at(1))
        uow.projection.set_participant_status("a.b", "withdrawn", at(2))
        assert [p["participant_id"] for p in uow.projection.cohort("p1")] == ["$x", "ü/ß"]

    def test_participants_page_by_program_and_role_with_the_total(self, uow):
        for pid, role in [("a", "leader"), ("b", "junior"), ("c", "leader"), ("d", "leader")]:
            uow.projection.save_participant(person(pid, role=role), at(1))
        uow.projection.save_participant(person("z", "p2"), at(1))
        items, total = uow.projection.participants("p1", "leader", 1, 1)
        assert ([p["participant_id"] for p in items], total) == (["c"], 3)
        assert uow.projection.participants(None, None, 0, 10)[1] == 5
        assert not uow.projection.has_participants("p3")

    def test_programs_are_upserted_by_event_time_and_counted_by_status(self, uow):
        assert uow.projection.save_program({"program_id": "p1", "status": "draft"}, at(2))
        assert not uow.projection.save_program({"program_id": "p1", "status": "closed"}, at(1))
        uow.projection.save_program({"program_id": "p2", "status": "matching"}, at(1))
        uow.projection.save_program({"program_id": "p3", "status": "matching"}, at(1))
        assert uow.projection.program("p1") == {"program_id": "p1", "status": "draft"}
        assert uow.projection.program("nope") is None
        assert uow.projection.program_status_counts() == {"draft": 1, "matching": 2}

    def test_reporting_lines_follow_managers_to_the_top(self, uow):
        for employee, manager in [("e1", "m1"), ("m1", "ceo"), ("ceo", None), ("other", "m9")]:
            uow.projection.save_reporting_line(employee, manager, at(1))
        assert not uow.projection.save_reporting_line("e1", "m2", at(0))
        assert uow.projection.reporting_lines(["e1", "unknown"]) == {"e1": "m1", "m1": "ceo", "ceo": None}

    def test_a_programs_reporting_lines_follow_every_line_written_since_its_last_read(self, uow):
        for employee, manager in [("e1", "m1"), ("m1", "ceo"), ("ceo", None), ("m2", "ceo")]:
            uow.projection.save_reporting_line(employee, manager, at(1))
        lines = uow.projection.reporting_lines
        assert lines(["e1"], program_id="p1") == {"e1": "m1", "m1": "ceo", "ceo": None}
        uow.projection.save_reporting_line("e1", "m2", at(2))
        assert lines(["e1"], program_id="p1") == {"e1": "m2", "m2": "ceo", "ceo": None}
        assert uow.projection.reporting_lines(["e1", "m1", "x"], program_id="p1") == {
            "e1": "m2",
            "m1": "ceo",
            "m2": "ceo",
            "ceo": None,
        }
        assert uow.projection.reporting_lines(["e1"], program_id="p1", max_depth=1) == {"e1": "m2"}


def run(run_id: str, minutes: int, *, program: str = "p1", dry_run: bool = False, **fields) -> dict:
    return {
        "_id": run_id,
        "match_run_id": run_id,
        "program_id": program,
        "kind": "run",
        "dry_run": dry_run,
        "status": "completed",
        "started_at": T0 + timedelta(minutes=minutes),
        "duration_s": 0.5,
        "matched_count": 1,
        "total_score": 0.9,
        "seed": 0,
        "inputs_hash": "sha256:x",
        "proposals": [],
        "participant_ids": ["a", "b"],
        **fields,
    }


def completed(document: dict) -> MatchRunCompleted:
    names = (
        "match_run_id",
        "program_id",
        "dry_run",
        "total_score",
        "duration_s",
        "kind",
        "seed",
        "inputs_hash",
    )
    data = {name: document[name] for name in names} | {"proposals": 1, "unmatched": 0}
    return MatchRunCompleted(document["match_run_id"], data)


class MatchRunsContract(UnitOfWorkFixture):
    def test_a_stored_run_reads_back_at_version_one_and_a_repeat_insert_is_refused(self, uow):
        assert uow.runs.insert(run("r1", 1), [completed(run("r1", 1))])
        assert not uow.runs.insert(run("r1", 2), [])
        stored = uow.runs.get("r1")
        assert stored == {**run("r1", 1), "_version": 1}
        assert [e.type for e in uow.pending()] == [MatchRunCompleted.type]
        assert uow.runs.get("nope") is None

    def test_proposals_overrides_and_diff_read_back_as_saved_with_their_times(self, uow):
        proposal = {"pairing_id": "x", "score": 0.125, "components": {"skills": 1.0}, "proposed_at": T0}
        audit = {"action": "assign", "at": T0 + timedelta(seconds=1), "violations": [{"constraint": "c"}]}
        diff = {"added": [{"leader_id": "a", "junior_id": "b"}], "removed": [], "unchanged": []}
        uow.runs.insert(run("r1", 1, proposals=[proposal], unmatched=[{"leader_id": "c"}], diff=diff), [])
        assert uow.runs.get("r1")["proposals"] == [proposal] and uow.runs.get("r1")["diff"] == diff
        uow.runs.save("r1", 1, {"overrides": [audit], "proposals": []})
        stored = uow.runs.get("r1")
        assert (stored["overrides"], stored["proposals"]) == ([audit], [])
        assert stored["unmatched"] == [{"leader_id": "c"}]
        assert uow.runs.latest("p1")["overrides"] == [audit]
        assert uow.runs.mentioning("a")[0]["overrides"] == [audit]

    def test_a_save_at_an_older_version_is_the_shared_stale_write(self, uow):
        uow.runs.insert(run("r1", 1), [])
        uow.runs.save("r1", 1, {"status": "published"})
        with pytest.raises(StaleWrite):
            uow.runs.save("r1", 1, {"status": "completed"})
        assert uow.runs.get("r1")["status"] == "published"
        assert uow.runs.get("r1")["_version"] == 2

    def test_latest_is_the_newest_run_matching_the_filters(self, uow):
        uow.runs.insert(run("old", 1), [])
        uow.runs.insert(run("new", 3), [])
        uow.runs.insert(run("dry", 4, dry_run=True), [])
        uow.runs.insert(run("dry-old", 2, dry_run=True), [])
        uow.runs.insert(run("elsewhere", 9, program="p2"), [])
        assert uow.runs.latest("p1")["_id"] == "dry"
        assert uow.runs.latest("p1", dry_run=True)["_id"] == "dry"
        assert uow.runs.latest("p1", dry_run=False, status="completed")["_id"] == "new"
        uow.runs.save("new", 1, {"status": "published"})
        assert uow.runs.latest("p1", dry_run=False, status="completed")["_id"] == "old"
        assert uow.runs.latest("p1", status="published")["_version"] == 2
        assert uow.runs.latest("p3") is None

    def test_summaries_list_the_programs_runs_newest_first_with_the_total(self, uow):
        for n in range(3):
            uow.runs.insert(run(f"r{n}", n), [])
        uow.runs.insert(run("x", 9, program="p2"), [])
        items, total = uow.runs.summaries("p1", 1, 5)
        assert total == 3 and [r["match_run_id"] for r in items] == ["r1", "r0"]
        assert "proposals" not in items[0] and "_id" not in items[0]

    def test_runs_mentioning_a_participant_carry_their_id_and_version(self, uow):
        uow.runs.insert(run("r1", 1), [])
        uow.runs.insert(run("r2", 2, participant_ids=["c"]), [])
        assert [(r["_id"], r["_version"]) for r in uow.runs.mentioning("a")] == [("r1", 1)]


class RunLockContract(UnitOfWorkFixture):
    def test_a_held_lock_refuses_another_run_until_released(self, uow):
        assert uow.run_lock.acquire("p1", "r1", T0)
        assert not uow.run_lock.acquire("p1", "r2", T0 + timedelta(seconds=1))
        assert uow.run_lock.acquire("p2", "r3", T0)
        uow.run_lock.release("p1", "someone-else")
        assert not uow.run_lock.acquire("p1", "r2", T0 + timedelta(seconds=2))
        uow.run_lock.release("p1", "r1")
        assert uow.run_lock.acquire("p1", "r2", T0 + timedelta(seconds=3))

    def test_an_expired_lock_no_longer_blocks_the_program(self, uow):
        assert uow.run_lock.acquire("p1", "crashed", T0)
        assert uow.run_lock.acquire("p1", "later", T0 + timedelta(hours=1))

"""Matching's Mongo repositories (FerretDB locally) pass the same contracts as their in-memory twins, and
the read models that keep a match run to `_id` look-ups rebuild themselves from data stored before them."""

from __future__ import annotations

import pytest

from services.matching.store import (
    COHORTS,
    MATCH_RUNS,
    ORGCHART,
    PAIRING_INDEX,
    PAIRINGS,
    PARTICIPANTS,
    RUN_INDEX,
    MongoMatchingUnitOfWork,
)
from shared.mongo import client_for
from tests.support import matching_pairing_contracts as pairing_contracts
from tests.support import matching_store_contracts as contracts
from tests.support.matching_pairing_contracts import pairing
from tests.support.matching_store_contracts import T0, at, person, run

pytestmark = pytest.mark.integration


class OnMongo:
    @pytest.fixture
    def uow(self, settings_for):
        settings = settings_for("matching")
        client = client_for(settings)
        yield MongoMatchingUnitOfWork(client[settings.mongodb_database])
        client.drop_database(settings.mongodb_database)


class TestMongoProjection(OnMongo, contracts.ProjectionContract):
    def test_a_cohort_projected_before_the_snapshot_existed_is_rebuilt_once(self, uow):
        uow.db[PARTICIPANTS].insert_many(
            [{"_id": p["participant_id"], **p, "_event_time": T0} for p in (person("b"), person("a"))]
            + [{"_id": "w", **person("w", status="withdrawn"), "_event_time": T0}]
        )
        assert [p["participant_id"] for p in uow.projection.cohort("p1")] == ["a", "b"]
        uow.db[PARTICIPANTS].delete_many({})  # from now on the buckets alone answer
        uow.projection.save_participant(person("c"), at(1))
        assert [p["participant_id"] for p in uow.projection.cohort("p1")] == ["a", "b", "c"]

    def test_a_programs_reporting_lines_are_read_from_its_snapshot_until_a_line_is_written(self, uow):
        for employee, manager in [("e1", "m1"), ("m1", None), ("e2", "m1")]:
            uow.projection.save_reporting_line(employee, manager, at(1))
        assert uow.projection.reporting_lines(["e1"], program_id="p1") == {"e1": "m1", "m1": None}
        uow.db[ORGCHART].delete_many({})  # from now on the snapshot alone answers for e1
        assert uow.projection.reporting_lines(["e1"], program_id="p1") == {"e1": "m1", "m1": None}
        assert uow.projection.reporting_lines(["e2"], program_id="p1") == {}  # e2 was never looked up
        uow.projection.save_reporting_line("x", None, at(2))
        assert uow.projection.reporting_lines(["e1"], program_id="p1") == {}

    def test_erasure_leaves_no_personal_data_in_the_cohort_buckets(self, uow):
        uow.projection.save_participant({**person("a"), "department": "Technology"}, at(1))
        uow.projection.cohort("p1")
        uow.projection.forget_participant("a", "p1", at(2))
        assert all("Technology" not in str(bucket) for bucket in uow.db[COHORTS].find({}))


class TestMongoMatchRuns(OnMongo, contracts.MatchRunsContract):
    def test_proposals_are_stored_as_one_string_and_runs_stored_before_read_as_they_are(self, uow):
        proposal = {"pairing_id": "x", "leader_id": "a", "proposed_at": T0}
        uow.runs.insert(run("r1", 1, proposals=[proposal]), [])
        assert isinstance(uow.db[MATCH_RUNS].find_one({"_id": "r1"})["proposals"], str)
        uow.db[MATCH_RUNS].insert_one({**run("old", 2, proposals=[proposal]), "_version": 1})
        assert uow.runs.get("old")["proposals"] == [proposal]

    def test_runs_stored_before_the_run_index_existed_are_indexed_on_first_use(self, uow):
        uow.db[MATCH_RUNS].insert_many([{**run("r1", 1), "_version": 1}, {**run("r2", 2), "_version": 1}])
        assert uow.runs.latest("p1", dry_run=False, status="completed")["_id"] == "r2"
        uow.db[RUN_INDEX].delete_many({})
        uow.runs.insert(run("r3", 3, dry_run=True), [])
        assert uow.runs.latest("p1", dry_run=False)["_id"] == "r2"
        assert uow.runs.latest("p1")["_id"] == "r3"


class TestMongoRunLock(OnMongo, contracts.RunLockContract):
    pass


class TestMongoPairings(OnMongo, pairing_contracts.PairingsContract):
    def test_pairings_stored_before_the_pairing_index_existed_are_indexed_once(self, uow):
        uow.db[PAIRINGS].insert_many([{"_id": "a", **pairing("a"), "_version": 1}])
        uow.pairings.insert(pairing("b", "L2"), [])
        assert [p["pairing_id"] for p in uow.pairings.of_program("p1")] == ["a", "b"]
        uow.db[PAIRINGS].insert_one({"_id": "c", **pairing("c", "L3"), "_version": 1})  # bypasses the index
        assert [p["pairing_id"] for p in uow.pairings.of_program("p1")] == ["a", "b"]

    def test_declined_pairings_stored_before_the_history_buckets_existed_are_indexed_once(self, uow):
        stored = (pairing("a", state="declined"), pairing("b"))
        uow.db[PAIRINGS].insert_many([{"_id": p["pairing_id"], **p, "_version": 1} for p in stored])
        assert [p["pairing_id"] for p in uow.pairings.history_of(["E-L1"])] == ["a"]
        uow.pairings.insert(pairing("c", state="ended"), [])
        assert [p["pairing_id"] for p in uow.pairings.history_of(["E-L1"])] == ["a", "c"]

    def test_a_pairing_noted_in_the_index_but_never_inserted_is_not_listed(self, uow):
        uow.pairings.insert(pairing("a"), [])
        uow.db[PAIRING_INDEX].update_one({"_id": "p1"}, {"$set": {"writes.crashed": '["ghost"]'}})
        assert [p["pairing_id"] for p in uow.pairings.of_program("p1")] == ["a"]


class TestMongoWaitlist(OnMongo, pairing_contracts.WaitlistContract):
    pass


class TestMongoConflicts(OnMongo, pairing_contracts.ConflictsContract):
    pass

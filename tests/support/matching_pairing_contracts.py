"""Contract tests of matching's pairing ports: pairings, the waitlist and declared conflicts (see
``matching_store_contracts`` for how they run)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.matching.store.ports import PairingQuery
from shared.contracts.types import PairingPublished
from shared.errors import StaleWrite
from tests.support.matching_store_contracts import T0, UnitOfWorkFixture


def pairing(pid: str, leader: str = "L1", junior: str = "J1", state: str = "published", program: str = "p1"):
    return {
        "pairing_id": pid,
        "program_id": program,
        "leader_id": leader,
        "junior_id": junior,
        "leader_employee_id": f"E-{leader}",
        "junior_employee_id": f"E-{junior}",
        "state": state,
    }


def published(record: dict) -> PairingPublished:
    names = ("pairing_id", "program_id", "leader_id", "junior_id", "state")
    return PairingPublished(record["pairing_id"], {name: record[name] for name in names})


class PairingsContract(UnitOfWorkFixture):
    def test_inserted_pairings_read_back_at_version_one_and_repeats_are_left_alone(self, uow):
        uow.pairings.insert_many([(pairing("a"), [published(pairing("a"))]), (pairing("b", "L2"), [])])
        uow.pairings.insert_many([(pairing("a", state="ended"), []), (pairing("c", "L3"), [])])
        assert uow.pairings.get("a") == {**pairing("a"), "_id": "a", "_version": 1}
        assert uow.pairings.get("c")["leader_id"] == "L3"
        assert [e.type for e in uow.pending()] == [PairingPublished.type]

    def test_a_save_applies_once_per_version_read(self, uow):
        uow.pairings.insert(pairing("a"), [])
        accepted = {**pairing("a"), "state": "accepted"}
        uow.pairings.save(accepted, 1, [published(pairing("a"))])
        with pytest.raises(StaleWrite):
            uow.pairings.save(pairing("a", state="declined"), 1, [])
        assert uow.pairings.get("a")["state"] == "accepted"
        assert uow.pairings.get("a")["_version"] == 2

    def test_a_programs_pairings_are_listed_by_id_optionally_by_state(self, uow):
        uow.pairings.insert(pairing("b", "L2", state="ended"), [])
        uow.pairings.insert(pairing("a"), [])
        uow.pairings.insert(pairing("z", program="p2"), [])
        listed = uow.pairings.of_program("p1")
        assert [p["pairing_id"] for p in listed] == ["a", "b"]
        assert "_id" not in listed[0] and listed[0]["_version"] == 1
        assert [p["pairing_id"] for p in uow.pairings.of_program("p1", ["published", "accepted"])] == ["a"]

    def test_a_page_filters_by_state_and_by_the_employee_on_either_side(self, uow):
        uow.pairings.insert(pairing("a", "L1", "J1"), [])
        uow.pairings.insert(pairing("b", "L2", "J1", state="ended"), [])
        uow.pairings.insert(pairing("c", "L3", "J2"), [])
        assert uow.pairings.page(PairingQuery("p1", 1, 1))[1] == 3
        items, total = uow.pairings.page(PairingQuery("p1", 0, 10, employee_id="E-J1"))
        assert ([p["pairing_id"] for p in items], total) == (["a", "b"], 2)
        items, total = uow.pairings.page(PairingQuery("p1", 0, 10, state="published", employee_id="E-L3"))
        assert ([p["pairing_id"] for p in items], total) == (["c"], 1)

    def test_history_is_the_declined_and_ended_pairings_of_those_leaders_anywhere(self, uow):
        uow.pairings.insert(pairing("a", "L1", state="declined"), [])
        uow.pairings.insert(pairing("b", "L1", state="published", program="p2"), [])
        uow.pairings.insert(pairing("c", "L1", "J2", state="ended", program="p2"), [])
        uow.pairings.insert(pairing("d", "L2", state="ended"), [])
        found = sorted(uow.pairings.history_of(["E-L1"]), key=lambda p: p["pairing_id"])
        assert found == [
            {
                "pairing_id": "a",
                "state": "declined",
                "leader_employee_id": "E-L1",
                "junior_employee_id": "E-J1",
            },
            {"pairing_id": "c", "state": "ended", "leader_employee_id": "E-L1", "junior_employee_id": "E-J2"},
        ]

    def test_a_pairing_declined_after_it_was_stored_joins_its_leaders_history(self, uow):
        uow.pairings.insert(pairing("a", "L1"), [])
        assert uow.pairings.history_of(["E-L1"]) == []
        uow.pairings.save(pairing("a", "L1", state="declined"), 1, [])
        assert [p["pairing_id"] for p in uow.pairings.history_of(["E-L1", "E-L9"])] == ["a"]
        assert uow.pairings.history_of([]) == []

    def test_pairings_involving_a_participant_on_either_side(self, uow):
        uow.pairings.insert(pairing("a", "L1", "J1"), [])
        uow.pairings.insert(pairing("b", "J1x", "J2"), [])
        uow.pairings.insert(pairing("c", "L2", "J1"), [])
        assert [(p["_id"], p["_version"]) for p in uow.pairings.involving("J1")] == [("a", 1), ("c", 1)]


class WaitlistContract(UnitOfWorkFixture):
    def test_waiting_again_updates_the_reason_but_keeps_the_first_time(self, uow):
        uow.waitlist.wait("p1", "L1", "no_capacity", "", T0)
        uow.waitlist.wait("p1", "L2", "declined", "", T0 + timedelta(minutes=1))
        uow.waitlist.wait("p1", "L1", "declined", "again", T0 + timedelta(minutes=2))
        uow.waitlist.wait("p2", "L9", "declined", "", T0)
        waiting = uow.waitlist.waiting("p1")
        assert [(w["leader_id"], w["reason"], w["since"]) for w in waiting] == [
            ("L1", "declined", T0),
            ("L2", "declined", T0 + timedelta(minutes=1)),
        ]
        assert waiting[0]["updated_at"] == T0 + timedelta(minutes=2) and waiting[0]["program_id"] == "p1"

    def test_proposed_again_marks_entries_and_leaving_removes_them(self, uow):
        for leader in ("L1", "L2", "L3"):
            uow.waitlist.wait("p1", leader, "declined", "", T0)
        uow.waitlist.proposed_again("p1", ["L1", "nobody"], "run-1")
        uow.waitlist.leave("p1", ["L2"])
        uow.waitlist.leave("p1", [])
        waiting = {w["leader_id"]: w for w in uow.waitlist.waiting("p1")}
        assert sorted(waiting) == ["L1", "L3"]
        assert waiting["L1"]["proposed_in"] == "run-1" and "proposed_in" not in waiting["L3"]

    def test_forgetting_a_participant_removes_them_from_every_program(self, uow):
        uow.waitlist.wait("p1", "L1", "declined", "", T0)
        uow.waitlist.wait("p2", "L1", "declined", "", T0)
        uow.waitlist.wait("p2", "L2", "declined", "", T0)
        uow.waitlist.forget("L1")
        assert uow.waitlist.waiting("p1") == []
        assert [w["leader_id"] for w in uow.waitlist.waiting("p2")] == ["L2"]


class ConflictsContract(UnitOfWorkFixture):
    def conflict(self, leader: str, junior: str, **extra) -> dict:
        return {"leader_employee_id": leader, "junior_employee_id": junior, "program_id": "p1", **extra}

    def test_a_conflict_is_upserted_per_pair_and_found_by_leader(self, uow):
        uow.conflicts.add(self.conflict("E1", "E2", reason="first"))
        uow.conflicts.add(self.conflict("E1", "E2", reason="second"))
        uow.conflicts.add(self.conflict("E3", "E2"))
        assert uow.conflicts.of_leaders(["E1", "E1", "E9"]) == [self.conflict("E1", "E2", reason="second")]

    def test_forgetting_an_employee_removes_their_conflicts_on_either_side(self, uow):
        uow.conflicts.add(self.conflict("E1", "E2"))
        uow.conflicts.add(self.conflict("E2", "E3"))
        uow.conflicts.add(self.conflict("E4", "E5"))
        uow.conflicts.forget("E2")
        assert uow.conflicts.of_leaders(["E1", "E2", "E4"]) == [self.conflict("E4", "E5")]

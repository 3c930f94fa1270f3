"""Check-ins, the program's cadence and pairing health: a missed cadence asks for a reminder once per
missed period and lowers health; crossing the threshold publishes pairing_at_risk, recovering clears it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.feedback.service import commands as c
from services.feedback.service import queries
from services.feedback.service.schedule import run_due
from shared.errors import Conflict, InvalidInput, NotFound
from tests.unit.feedback.story import person

SESSION = {
    "held_on": date(2026, 3, 5),
    "duration_minutes": 45,
    "topics": ["TikTok ads"],
    "shared_notes": "Walked through a campaign",
    "private_notes": "I felt rushed",
}


def _types(uow):
    return [event.type.split(".")[2] for event in uow.published()]


def test_a_check_in_shows_private_notes_only_to_their_author(bus, uow, clock):
    clock.advance(days=3)
    bus.handle(c.LogCheckIn(person("J1"), "pr-1", "ci-1", SESSION))
    [mine] = queries.check_ins(uow, "pr-1", person("J1"))
    [theirs] = queries.check_ins(uow, "pr-1", person("L1"))
    assert mine["private_notes"] == "I felt rushed" and theirs["private_notes"] is None
    assert theirs["shared_notes"] == "Walked through a campaign"
    event = uow.published()[-1]
    assert event.type.endswith("checkin_logged.v1") and "shared_notes" not in event.data
    with pytest.raises(NotFound):
        queries.check_ins(uow, "pr-1", person("L2"))


def test_a_check_in_dated_in_the_future_is_refused_naming_held_on_and_nothing_is_written(bus, uow, clock):
    with pytest.raises(InvalidInput) as refused:
        bus.handle(
            c.LogCheckIn(
                person("J1"), "pr-1", "ci-1", {**SESSION, "held_on": clock.now.date() + timedelta(days=1)}
            )
        )
    assert list(refused.value.errors) == ["held_on"]
    assert uow.check_ins.of_pairing("pr-1") == [] and "checkin_logged" not in _types(uow)


def _due_of(uow, pairing_id):
    return [e.data for e in uow.published() if e.type.endswith("checkin_due.v1") and e.subject == pairing_id]


def test_a_missed_cadence_publishes_checkin_due_once_per_missed_period(bus, uow, clock):
    clock.advance(weeks=2, hours=1)
    run_due(bus, "test")
    bus.handle(c.CheckCadence("pr-1", clock.now.date()))  # a repeated look at the same period
    [due] = _due_of(uow, "pr-1")
    assert (due["leader_id"], due["junior_id"], due["last_held_on"], due["weeks_without"]) == (
        "L1",
        "J1",
        None,
        2,
    )
    clock.advance(weeks=2)
    run_due(bus, "test")
    assert len(_due_of(uow, "pr-1")) == 2 and len(_due_of(uow, "pr-2")) == 2


def test_a_pairing_without_check_ins_goes_at_risk_once_and_recovers_after_one(bus, uow, clock):
    clock.advance(weeks=4, hours=1)
    run_due(bus, "test")
    run_due(bus, "test")
    at_risk = [e for e in uow.published() if e.type.endswith("pairing_at_risk.v1")]
    assert sorted(e.data["pairing_id"] for e in at_risk) == ["pr-1", "pr-2"]
    first = next(e for e in at_risk if e.data["pairing_id"] == "pr-1").data
    assert first["reason"] == "missed_check_ins" and first["leader_id"] == "L1" and first["junior_id"] == "J1"
    assert first["score"] < 50
    bus.handle(c.LogCheckIn(person("L1"), "pr-1", "ci-1", {**SESSION, "held_on": clock.now.date()}))
    recovered = [e for e in uow.published() if e.type.endswith("pairing_recovered.v1")]
    assert [e.data["pairing_id"] for e in recovered] == ["pr-1"]
    health = queries.pairing_health(uow, "pr-1", person("J1"))["health"]
    assert health["components"]["cadence"] == 100.0 and not health["at_risk"]


def test_check_ins_on_an_ended_pairing_are_refused(bus, uow):
    from tests.unit.feedback.story import START, end

    end(bus, "pr-1", START + timedelta(days=1))
    with pytest.raises(Conflict):
        bus.handle(c.LogCheckIn(person("J1"), "pr-1", "ci-1", SESSION))


def test_the_health_route_admits_only_the_programs_own_admins(bus, uow):
    from tests.unit.feedback.story import ADMIN, OTHER_ADMIN

    assert queries.pairing_health(uow, "pr-1", ADMIN)["pairing_id"] == "pr-1"
    with pytest.raises(NotFound):
        queries.pairing_health(uow, "pr-1", OTHER_ADMIN)
    with pytest.raises(NotFound):
        queries.pairing_health(uow, "pr-1", person("J2"))


class CountingReads:
    """Wraps a pairing's record store and counts the reads of every record of a pairing."""

    def __init__(self, records):
        self.records, self.full_reads = records, 0

    def of_pairing(self, pairing_id):
        self.full_reads += 1
        return self.records.of_pairing(pairing_id)

    def __getattr__(self, name):
        return getattr(self.records, name)


def test_a_check_in_is_counted_without_reading_the_pairings_other_check_ins(bus, uow, clock):
    clock.advance(days=3)
    for n in range(3):
        bus.handle(c.LogCheckIn(person("J1"), "pr-1", f"ci-{n}", {**SESSION, "held_on": date(2026, 3, 4)}))
    uow.check_ins = CountingReads(uow.check_ins)
    bus.handle(c.LogCheckIn(person("L1"), "pr-1", "ci-3", SESSION))
    pairing = uow.pairings.get("pr-1")
    assert uow.check_ins.full_reads == 0
    assert pairing["check_ins"] == 4 and pairing["last_held_on"] == "2026-03-05"
    [row] = [r for r in uow.outcomes.of_program("prog-1") if r["check_ins"] == 4]
    assert row["state"] == "active"


def test_a_check_in_counted_by_a_racing_recount_is_not_counted_again(bus, uow, clock):
    clock.advance(days=3)
    bus.handle(c.LogCheckIn(person("J1"), "pr-1", "ci-1", SESSION))
    bus.handle(c.AssessPairing("pr-1"))  # the scheduler's recount of everything
    again = {"check_in_id": "ci-1", "held_on": SESSION["held_on"].isoformat()}
    bus.handle(c.AssessPairing("pr-1", recount=(), check_in=again))  # the write's own count, late
    assert uow.pairings.get("pr-1")["check_ins"] == 1


def test_the_scheduler_recount_restores_a_count_a_crash_lost(bus, uow, clock):
    clock.advance(days=3)
    record = {"check_in_id": "ci-9", "pairing_id": "pr-1", "held_on": "2026-03-04", "logged_at": clock.now}
    uow.check_ins.add("pr-1", "ci-9", record)  # written, then the process died before counting it
    assert (uow.pairings.get("pr-1").get("check_ins") or 0) == 0
    bus.handle(c.AssessPairing("pr-1"))
    assert uow.pairings.get("pr-1")["check_ins"] == 1

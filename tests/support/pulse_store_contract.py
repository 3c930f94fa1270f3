"""Contract of the pulse store (services/feedback/pulse/store.py): the Mongo store and its in-memory twin
answer the same assertions (FerretDB in tests/integration, memory in tests/unit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.feedback.pulse.store import Marker, escalation_key
from shared.contracts.types import PulseClosed, PulseEscalated

OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def pulse(pulse_id: str = "p1", program_id: str = "prog-1") -> dict:
    return {
        "pulse_id": pulse_id,
        "program_id": program_id,
        "title": "Safety",
        "opens_at": OPENS,
        "closes_at": OPENS + timedelta(days=7),
        "questions": [{"question_id": "q", "text": "Q"}],
        "respondent_roles": ["junior"],
        "breakdown": None,
        "groups": [],
        "k": 3,
        "status": "open",
    }


def ballot(ballot_id: str, score: int = 3) -> dict:
    return {"ballot_id": ballot_id, "answers": {"q": score}}


class PulseStoreContract:
    """Subclasses provide the ``store`` fixture: an empty pulse store."""

    @pytest.fixture
    def store(self):
        raise NotImplementedError

    def test_a_pulse_is_stored_once_and_listed_by_program(self, store):
        assert store.add_pulse(pulse("p1"))
        assert not store.add_pulse(pulse("p1"))
        store.add_pulse(pulse("p2", "prog-2"))
        assert store.pulse("p1")["status"] == "open"
        assert [p["pulse_id"] for p in store.pulses_of("prog-1")] == ["p1"]
        assert store.pulse("nope") is None

    def test_a_ballot_id_is_cast_once_and_a_sealed_box_takes_none(self, store):
        store.add_pulse(pulse())
        assert store.cast("p1", ballot("b1")) == "cast"
        assert store.cast("p1", ballot("b1", 5)) == "present"
        assert store.cast("p1", ballot("b2")) == "cast"
        assert sorted(b["ballot_id"] for b in store.seal("p1")) == ["b1", "b2"]
        assert store.cast("p1", ballot("b3")) == "sealed"
        assert [b["answers"]["q"] for b in store.ballots("p1") if b["ballot_id"] == "b1"] == [3]

    def test_ballots_do_not_keep_the_order_they_were_cast_in(self, store):
        store.add_pulse(pulse())
        cast = [f"b{i:02d}" for i in range(40)]
        for ballot_id in cast:
            store.cast("p1", ballot(ballot_id))
        held = [b["ballot_id"] for b in store.ballots("p1")]
        assert sorted(held) == cast and held != cast  # 1 in 40! that a shuffle keeps the order

    def test_a_marker_is_pending_with_its_ids_until_finished_then_holds_none(self, store):
        first = store.begin("p1", "J1", "ballot-a", "esc-a")
        again = store.begin("p1", "J1", "ballot-b", "esc-b")
        assert (first.pending, first.ballot_id) == (True, "ballot-a")
        assert (again.pending, again.ballot_id, again.escalation_id) == (True, "ballot-a", "esc-a")
        assert not store.answered("p1", "J1")
        store.finish("p1", "J1")
        done = store.begin("p1", "J1", "ballot-c", "esc-c")
        assert (done.pending, done.ballot_id, done.escalation_id) == (False, None, None)
        assert store.answered("p1", "J1") and not store.answered("p1", "J2")

    def test_discarding_drops_only_a_pending_marker(self, store):
        store.begin("p1", "J1", "a", "e")
        store.discard("p1", "J1")
        assert store.begin("p1", "J1", "b", "f").ballot_id == "b"
        store.finish("p1", "J1")
        store.discard("p1", "J1")
        assert store.answered("p1", "J1")

    def test_unlinking_strips_the_ids_of_this_pulses_pending_markers_only(self, store):
        store.begin("p1", "J1", "a", "e")
        store.begin("p1", "J2", "b", "f")
        store.finish("p1", "J2")
        store.begin("p2", "J1", "c", "g")
        assert store.unlink_pending("p1") == 1
        assert store.begin("p1", "J1", "x", "y") == Marker(False, None, None)
        assert store.begin("p2", "J1", "x", "y").ballot_id == "c"

    def test_closing_an_open_pulse_once_queues_its_event(self, store):
        store.add_pulse(pulse())
        payload = {"pulse_id": "p1", "program_id": "prog-1", "k": 3, "released": False,
                   "responses": None, "questions": None}  # fmt: skip
        assert store.close(
            "p1", {"status": "closed", "result": {"released": False}}, [PulseClosed("p1", payload)]
        )
        assert not store.close("p1", {"status": "closed"}, [PulseClosed("p1", payload)])
        assert store.pulse("p1")["result"] == {"released": False}

    def test_escalations_are_read_by_route_and_program_prefix_and_forgotten_with_markers(self, store):
        for route, program_id, escalation_id, person in [
            ("admin", "prog-1", "e1", "J1"), ("hr", "prog-1", "e2", "J2"), ("admin", "prog-2", "e3", "J1"),
        ]:  # fmt: skip
            record = {"escalation_id": escalation_id, "program_id": program_id, "participant_id": person,
                      "route": route}  # fmt: skip
            event = PulseEscalated(escalation_id, {"escalation_id": escalation_id, "program_id": program_id,
                                                   "route": route, "recipient_ids": []})  # fmt: skip
            assert store.add_escalation(escalation_key(route, program_id, escalation_id), record, [event])
        assert not store.add_escalation(escalation_key("hr", "prog-1", "e2"), {"participant_id": "J2"}, [])
        assert [e["escalation_id"] for e in store.escalations("admin|prog-1|")] == ["e1"]
        assert sorted(e["escalation_id"] for e in store.escalations("admin|")) == ["e1", "e3"]
        assert [e["escalation_id"] for e in store.escalations("hr|")] == ["e2"]
        store.begin("p1", "J1", "a", "e")
        assert store.forget("J1") == 3
        assert store.escalations("admin|") == [] and len(store.escalations("hr|")) == 1
        assert store.begin("p1", "J1", "b", "f").ballot_id == "b"

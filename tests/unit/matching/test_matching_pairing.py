"""The pairing aggregate's state machine and the run fingerprint, without servers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.matching.domain import (
    Exclusion,
    Pairing,
    TransitionRefused,
    exclusions_from_history,
    inputs_hash,
)

NOW = datetime(2027, 1, 11, tzinfo=UTC)
PROPOSAL = {"pairing_id": "p1", "leader_id": "L1", "junior_id": "J1", "score": 0.8, "components": {}}


def published() -> Pairing:
    pairing, events = Pairing.publish(
        PROPOSAL, program_id="prog", match_run_id="run", leader_employee_id="E1", junior_employee_id="E2",
        by="admin", now=NOW,
    )  # fmt: skip
    assert [e.type for e in events] == ["mentoring.pairing.published.v1"]
    return pairing


def test_both_sides_accepting_activates_the_pairing_with_one_event_each():
    pairing, first = published().accept("junior", NOW)
    assert pairing.state == "accepted" and [e.type.split(".")[2] for e in first] == ["accepted"]
    pairing, second = pairing.accept("leader", NOW)
    assert pairing.state == "active"
    assert [e.type.split(".")[2] for e in second] == ["accepted", "activated"]
    assert second[-1].data["acceptance"] == {"leader": "accepted", "junior": "accepted"}


def test_a_side_cannot_answer_twice_and_a_declined_pairing_cannot_be_accepted():
    pairing, _ = published().accept("leader", NOW)
    with pytest.raises(TransitionRefused):
        pairing.accept("leader", NOW)
    declined, events = pairing.decline("junior", "workload", "too busy", NOW)
    assert declined.state == "declined" and events[0].data["decline_reason"] == "workload"
    with pytest.raises(TransitionRefused):
        declined.accept("junior", NOW)


def test_decline_needs_a_reason_from_the_list():
    with pytest.raises(TransitionRefused):
        published().decline("leader", "because", "", NOW)


def test_an_ended_pairing_cannot_end_again_or_be_declined():
    ended, events = published().end("early", "moved abroad", "L1", NOW)
    assert events[0].data["end_kind"] == "early"
    for change in (
        lambda: ended.end("planned", "x", "admin", NOW),
        lambda: ended.decline("junior", "other", "", NOW),
    ):
        with pytest.raises(TransitionRefused):
            change()


def test_what_a_person_typed_to_end_a_pairing_is_kept_but_never_published():
    ended, (event,) = published().end("early", "my manager made it awkward", "L1", NOW)
    assert ended.reason == "my manager made it awkward"  # shown in matching, removed by an erasure
    assert (event.data["reason"], event.data["end_kind"], event.data["by"]) == (None, "early", "L1")
    _, (by_admin,) = published().end("planned", "budget cut", "admin", NOW)
    assert by_admin.data["reason"] is None
    _, (by_system,) = published().end("early", "participant withdrew", "system", NOW)
    assert by_system.data["reason"] == "participant withdrew"


def test_rematch_request_ends_the_pairing_and_asks_for_a_new_junior():
    active, _ = published().accept("leader", NOW)
    active, _ = active.accept("junior", NOW)
    ended, events = active.request_rematch("missed sessions", NOW)
    assert ended.state == "ended" and ended.end_kind == "rematch"
    assert [e.type.split(".")[2] for e in events] == ["ended", "rematch_requested"]


def test_erasure_keeps_only_the_opaque_ids_of_the_erased_side():
    declined, _ = published().decline("junior", "other", "I know him from school", NOW)
    scrubbed = declined.without_personal_data("J1")
    assert scrubbed.junior_employee_id is None and scrubbed.leader_employee_id == "E1"
    assert "school" not in repr(scrubbed)


def test_declined_and_ended_pairings_become_exclusions():
    history = [
        {"pairing_id": "a", "state": "declined", "leader_employee_id": "E1", "junior_employee_id": "E2"},
        {"pairing_id": "b", "state": "ended", "leader_employee_id": "E1", "junior_employee_id": "E3"},
        {"pairing_id": "c", "state": "ended", "leader_employee_id": "E1", "junior_employee_id": None},
    ]
    conflicts = [{"leader_employee_id": "E4", "junior_employee_id": "E5", "detail": "siblings"}]
    reasons = [(e.junior_employee_id, e.reason) for e in exclusions_from_history(history, conflicts)]
    assert reasons == [("E2", "declined"), ("E3", "previous_pair"), ("E5", "conflict")]


people = st.lists(
    st.fixed_dictionaries({"participant_id": st.text(min_size=1, max_size=5), "level": st.integers(1, 12)}),
    max_size=6,
    unique_by=lambda p: p["participant_id"],
)


@given(people, st.randoms())
def test_inputs_hash_ignores_order_and_changes_with_any_input(participants, random):
    shuffled = list(participants)
    random.shuffle(shuffled)
    chart = {"E1": None, "E2": "E1"}
    exclusions = [Exclusion("E1", "E2", "declined")]
    digest = inputs_hash(participants, {"min_seniority_gap": 3}, chart, exclusions)
    assert digest == inputs_hash(
        shuffled, {"min_seniority_gap": 3}, dict(reversed(chart.items())), exclusions
    )
    assert digest != inputs_hash(participants, {"min_seniority_gap": 4}, chart, exclusions)
    assert digest != inputs_hash(participants, {"min_seniority_gap": 3}, chart, [])

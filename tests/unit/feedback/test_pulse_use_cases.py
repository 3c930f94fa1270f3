"""The pulse's use cases on the in-memory unit of work: commands through feedback's bus, no servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.feedback.pulse import queries
from services.feedback.pulse.commands import CLOSE_KIND, AnswerPulse, ClosePulse, CreatePulse, PulseRecorded
from services.feedback.pulse.scheduling import DUE
from services.feedback.service import ForgetParticipant, build_bus
from services.feedback.store import MemoryFeedbackUnitOfWork
from shared.auth import Principal
from shared.contracts.types import PulseClosed, PulseEscalated
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound, Unprocessable
from tests.support.pulse_world import ADMIN, PROGRAM, admin, junior_employee, junior_participant, person, seed

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
CLOSES = NOW + timedelta(days=7)
ALL_FOUR = {"speak_candidly": 4, "input_taken_seriously": 3, "safe_to_disagree": 5, "ideas_acted_upon": 2}
HR = Principal("E-HR", frozenset({"hr"}))


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def bus(clock):
    bus = build_bus(MemoryFeedbackUnitOfWork(clock=clock))
    seed(bus, ["Sales"] * 6 + ["IT"] * 6 + ["Legal"] * 2)
    return bus


def create(bus, **options) -> dict:
    events = bus.handle(CreatePulse(PROGRAM, admin(), CLOSES, **options))
    return next(e for e in events if isinstance(e, PulseRecorded)).pulse


def answer(bus, pulse_id: str, n: int, **options):
    return bus.handle(AnswerPulse(pulse_id, person(junior_employee(n)), dict(ALL_FOUR), **options))


def published(bus, kind) -> list:
    return [event for event in bus.uow.published() if event.type == kind.type]


def test_k_minus_one_answers_release_no_figures_at_close_not_even_the_count(bus):
    pulse = create(bus)
    for n in range(1, 5):
        answer(bus, pulse["pulse_id"], n)
    bus.handle(ClosePulse(pulse["pulse_id"], admin()))
    result = queries.results(bus.uow, pulse["pulse_id"], admin())
    assert result["released"] is False and result["reason"] == "not_enough_responses"
    assert "responses" not in result and "questions" not in result and "breakdown" not in result
    [closed] = published(bus, PulseClosed)
    assert closed.data == {
        "pulse_id": pulse["pulse_id"],
        "program_id": PROGRAM,
        "k": 5,
        "released": False,
        "responses": None,
        "questions": None,
    }


def test_k_answers_release_figures_only_once_the_pulse_closes(bus):
    pulse = create(bus)
    for n in range(1, 6):
        answer(bus, pulse["pulse_id"], n)
    before = queries.results(bus.uow, pulse["pulse_id"], admin())
    assert before["released"] is False and before["reason"] == "not_closed" and "responses" not in before
    assert published(bus, PulseClosed) == []
    bus.handle(ClosePulse(pulse["pulse_id"], admin()))
    after = queries.results(bus.uow, pulse["pulse_id"], HR)
    assert after["released"] is True and after["responses"] == 5
    assert after["questions"][0] == {
        "question_id": "speak_candidly",
        "mean": 4.0,
        "answers": 5,
        "favourable_pct": 100.0,
    }
    [closed] = published(bus, PulseClosed)
    assert closed.data["released"] is True and closed.data["responses"] == 5
    assert closed.data["questions"][1] == {"question_id": "input_taken_seriously", "mean": 3.0, "answers": 5}


def test_the_scheduler_closes_a_pulse_when_its_window_ends(bus, clock):
    pulse = create(bus)
    clock.now = CLOSES
    due = bus.uow.schedule.claim_due(CLOSES, "test", 100, timedelta(minutes=1))
    [item] = [item for item in due if item.kind == CLOSE_KIND]
    assert item.payload == {"pulse_id": pulse["pulse_id"]} and item.due_at == CLOSES
    bus.handle(DUE[item.kind](item.payload))
    bus.handle(DUE[item.kind](item.payload))  # a redelivered item closes nothing twice
    assert bus.uow.pulses.pulse(pulse["pulse_id"])["status"] == "closed"
    assert len(published(bus, PulseClosed)) == 1


def test_a_breakdown_by_department_is_shown_only_when_every_group_and_its_complement_reach_k(bus):
    pulse = create(bus)
    for n in range(1, 13):  # 6 Sales, 6 IT
        answer(bus, pulse["pulse_id"], n)
    bus.handle(ClosePulse(pulse["pulse_id"], admin()))
    shown = queries.results(bus.uow, pulse["pulse_id"], admin())["breakdown"]
    assert shown["suppressed"] is False
    assert [(g["group"], g["responses"]) for g in shown["groups"]] == [("IT", 6), ("Sales", 6)]


def test_one_small_group_suppresses_the_whole_breakdown(bus):
    pulse = create(bus)
    for n in [*range(1, 7), 7, 8, 9]:  # 6 Sales, 3 IT
        answer(bus, pulse["pulse_id"], n)
    bus.handle(ClosePulse(pulse["pulse_id"], admin()))
    result = queries.results(bus.uow, pulse["pulse_id"], admin())
    assert result["responses"] == 9
    assert result["breakdown"] == {"by": "department", "suppressed": True, "groups": None}


def test_a_department_below_k_is_stored_as_other_on_the_ballot(bus):
    pulse = create(bus)
    assert pulse["groups"] == ["IT", "Sales"]
    answer(bus, pulse["pulse_id"], 13)  # Legal: two juniors in all
    [ballot] = bus.uow.pulses.ballots(pulse["pulse_id"])
    assert ballot["group"] == "other"


def test_a_second_answer_is_refused_and_counts_once(bus):
    pulse = create(bus)
    answer(bus, pulse["pulse_id"], 1)
    with pytest.raises(Conflict) as refused:
        answer(bus, pulse["pulse_id"], 1)
    assert refused.value.extra["code"] == "already_answered"
    assert len(bus.uow.pulses.ballots(pulse["pulse_id"])) == 1


def test_a_retry_after_a_crash_finishes_the_same_answer_once(bus):
    pulse = create(bus)
    pulse_id = pulse["pulse_id"]
    # the first attempt died after its marker: the retry casts the ballot under the marker's id
    bus.uow.pulses.begin(pulse_id, junior_participant(1), "ballot-of-crash", "esc-of-crash")
    answer(bus, pulse_id, 1)
    assert [b["ballot_id"] for b in bus.uow.pulses.ballots(pulse_id)] == ["ballot-of-crash"]
    # the second died after its ballot: the retry is told it counted, and casts nothing more
    bus.uow.pulses.begin(pulse_id, junior_participant(2), "ballot-2", "esc-2")
    bus.uow.pulses.cast(pulse_id, {"ballot_id": "ballot-2", "answers": dict(ALL_FOUR)})
    answer(bus, pulse_id, 2)
    assert len(bus.uow.pulses.ballots(pulse_id)) == 2
    with pytest.raises(Conflict):
        answer(bus, pulse_id, 2)


def test_close_strips_the_ids_a_crash_left_on_a_pending_marker(bus):
    pulse = create(bus)
    bus.uow.pulses.begin(pulse["pulse_id"], junior_participant(1), "ballot-x", "esc-x")
    bus.uow.pulses.cast(pulse["pulse_id"], {"ballot_id": "ballot-x", "answers": dict(ALL_FOUR)})
    bus.handle(ClosePulse(pulse["pulse_id"], admin()))
    marker = bus.uow.pulses.markers[f"{pulse['pulse_id']}|{junior_participant(1)}"]
    assert marker == {
        "pulse_id": pulse["pulse_id"],
        "participant_id": junior_participant(1),
        "pending": False,
    }


def test_answers_outside_the_window_are_refused_naming_the_field_and_write_nothing(bus, clock):
    pulse = create(bus, opens_at=NOW + timedelta(days=1))
    with pytest.raises(Conflict) as early:
        answer(bus, pulse["pulse_id"], 1)
    clock.now = CLOSES
    with pytest.raises(Conflict) as late:
        answer(bus, pulse["pulse_id"], 1)
    assert (early.value.field, late.value.field) == ("opens_at", "closes_at")
    assert bus.uow.pulses.markers == {} and bus.uow.pulses.ballots(pulse["pulse_id"]) == []


def test_unknown_questions_and_scores_out_of_range_are_422_naming_the_field_and_write_nothing(bus):
    pulse = create(bus)
    with pytest.raises(InvalidInput) as refused:
        bus.handle(AnswerPulse(pulse["pulse_id"], person(junior_employee(1)), {**ALL_FOUR, "mood": 3}))
    assert list(refused.value.errors) == ["answers.mood"]
    with pytest.raises(InvalidInput) as refused:
        bus.handle(
            AnswerPulse(pulse["pulse_id"], person(junior_employee(1)), {**ALL_FOUR, "speak_candidly": 9})
        )
    assert list(refused.value.errors) == ["answers.speak_candidly"]
    assert bus.uow.pulses.markers == {} and bus.uow.pulses.ballots(pulse["pulse_id"]) == []


def test_an_answer_after_the_box_was_sealed_is_refused_and_leaves_no_marker(bus):
    pulse = create(bus)
    bus.uow.pulses.seal(pulse["pulse_id"])  # a close in progress
    with pytest.raises(Conflict) as refused:
        answer(bus, pulse["pulse_id"], 1)
    assert refused.value.field == "closes_at" and bus.uow.pulses.markers == {}


def test_only_the_programs_admins_create_and_close_and_only_its_juniors_answer(bus):
    with pytest.raises(Forbidden):
        bus.handle(CreatePulse(PROGRAM, admin("E-OTHER-ADMIN"), CLOSES))
    with pytest.raises(NotFound):
        bus.handle(CreatePulse("prog-unknown", admin(), CLOSES))
    pulse = create(bus)
    with pytest.raises(Forbidden):
        bus.handle(AnswerPulse(pulse["pulse_id"], person("E-LEADER"), dict(ALL_FOUR)))
    with pytest.raises(NotFound):
        bus.handle(AnswerPulse(pulse["pulse_id"], person("E-STRANGER"), dict(ALL_FOUR)))
    with pytest.raises(Forbidden):
        bus.handle(ClosePulse(pulse["pulse_id"], admin("E-OTHER-ADMIN")))
    with pytest.raises(Forbidden):
        queries.results(bus.uow, pulse["pulse_id"], person(junior_employee(1)))


def test_a_program_k_below_three_is_refused_with_422(clock):
    bus = build_bus(MemoryFeedbackUnitOfWork(clock=clock))
    seed(bus, ["Sales"] * 3, pulse_k=2)
    with pytest.raises(Unprocessable) as refused:
        bus.handle(CreatePulse(PROGRAM, admin(), CLOSES))
    assert refused.value.status == 422 and refused.value.field == "pulse_k"


def test_an_escalation_goes_to_hr_when_an_admin_is_in_the_juniors_chain(clock):
    bus = build_bus(MemoryFeedbackUnitOfWork(clock=clock))
    seed(bus, ["Sales"] * 5, admins=(ADMIN, "E-DIRECTOR"))  # junior 1 reports to E-MANAGER → E-DIRECTOR
    pulse = create(bus)
    answer(bus, pulse["pulse_id"], 1, talk_to_someone=True, message="my leader dismisses me")
    [escalated] = published(bus, PulseEscalated)
    assert escalated.data["route"] == "hr" and escalated.data["recipient_ids"] == []
    [seen_by_hr] = queries.escalations(bus.uow, HR)
    assert (
        seen_by_hr["employee_id"] == junior_employee(1) and seen_by_hr["message"] == "my leader dismisses me"
    )
    assert (
        queries.escalations(bus.uow, admin()) == []
        and queries.escalations(bus.uow, admin("E-DIRECTOR")) == []
    )


def test_an_escalation_goes_to_hr_when_an_admin_leads_the_juniors_pairing(clock):
    bus = build_bus(MemoryFeedbackUnitOfWork(clock=clock))
    seed(bus, ["Sales"] * 5, admins=(ADMIN, "E-LEADER"))
    pulse = create(bus)
    answer(bus, pulse["pulse_id"], 1, talk_to_someone=True)
    assert [e.data["route"] for e in published(bus, PulseEscalated)] == ["hr"]


def test_an_escalation_goes_to_the_admins_never_to_the_leader_or_the_chain(bus):
    pulse = create(bus)
    answer(bus, pulse["pulse_id"], 1, talk_to_someone=True, message="can we talk?")
    [escalated] = published(bus, PulseEscalated)
    assert escalated.data["route"] == "admin" and escalated.data["recipient_ids"] == [ADMIN]
    assert not {"E-LEADER", "E-MANAGER", "E-DIRECTOR"} & set(escalated.data["recipient_ids"])
    assert [e["participant_id"] for e in queries.escalations(bus.uow, admin())] == [junior_participant(1)]
    assert queries.escalations(bus.uow, HR) == [] and queries.escalations(bus.uow, admin("E-OTHER")) == []


def test_an_escalation_is_stored_apart_from_the_ballot_and_shares_nothing_with_it(bus):
    pulse = create(bus)
    answer(bus, pulse["pulse_id"], 1, talk_to_someone=True, message="hello")
    [ballot] = bus.uow.pulses.ballots(pulse["pulse_id"])
    [escalation] = bus.uow.pulses.escalation_docs.values()
    assert set(ballot) == {"ballot_id", "answers", "group"}
    assert pulse["pulse_id"] not in escalation.values()
    assert ballot["ballot_id"] not in str(escalation) and escalation["escalation_id"] not in str(ballot)
    assert ballot["ballot_id"] not in str(bus.uow.pulses.markers)


def test_erasure_deletes_the_persons_markers_and_escalations_and_ballots_hold_nothing_of_theirs(bus):
    pulse = create(bus)
    answer(bus, pulse["pulse_id"], 1, talk_to_someone=True, message="hello")
    answer(bus, pulse["pulse_id"], 2)
    ballots_before = bus.uow.pulses.ballots(pulse["pulse_id"])
    bus.handle(ForgetParticipant(junior_participant(1)))
    store = bus.uow.pulses
    assert [m["participant_id"] for m in store.markers.values()] == [junior_participant(2)]
    assert store.escalation_docs == {}
    everything = str([store.pulse_docs, store.boxes, store.markers, store.escalation_docs])
    assert junior_participant(1) not in everything and junior_employee(1) not in everything
    assert sorted(map(str, store.ballots(pulse["pulse_id"]))) == sorted(map(str, ballots_before))


def test_released_aggregates_list_closed_pulses_only_with_the_k_rules(bus):
    small, large, still_open = create(bus), create(bus), create(bus)
    for n in range(1, 6):
        answer(bus, large["pulse_id"], n)
        answer(bus, still_open["pulse_id"], n)
    answer(bus, small["pulse_id"], 1)
    bus.handle(ClosePulse(small["pulse_id"], admin()))
    bus.handle(ClosePulse(large["pulse_id"], admin()))
    released = {r["pulse_id"]: r for r in queries.released_aggregates(bus.uow, PROGRAM)}
    assert set(released) == {small["pulse_id"], large["pulse_id"]}
    assert released[small["pulse_id"]]["released"] is False and "responses" not in released[small["pulse_id"]]
    assert released[large["pulse_id"]]["responses"] == 5

"""The safety pulse on the real servers: figures only with k answers and only after close, PulseClosed
through Kafka, and no person beside an answer anywhere in feedback's database, its logs or its metrics."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from prometheus_client import REGISTRY

from services.feedback.app import create_app
from services.feedback.service import ForgetParticipant, build_bus
from services.feedback.store import MongoFeedbackUnitOfWork
from services.feedback.worker import build_worker
from shared.contracts import FEEDBACK
from shared.contracts.types import PulseClosed
from shared.mongo import database_for
from tests.support.harness import bearer, read_topic, running, topics_ready, wait_for
from tests.support.pulse_world import ADMIN, junior_employee, junior_participant, seed

PROGRAM = "prog-1"
SECRET = "my leader shouts at me in meetings"


def _answers(n: int) -> dict[str, int]:
    """A different answer per junior, so the order ballots are stored in can be compared with the order
    they were given in."""
    return {"speak_candidly": 1 + n % 5, "input_taken_seriously": 1 + (n // 5) % 5, "safe_to_disagree": 3,
            "ideas_acted_upon": 4}  # fmt: skip


def _world(settings_for, departments: list[str]):
    settings = settings_for("feedback")
    topics_ready(settings)
    app = create_app(settings)
    seed(build_bus(MongoFeedbackUnitOfWork(database_for(settings))), departments)
    return settings, app.test_client()


def _create(client, settings) -> str:
    closes_at = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    response = client.post(
        f"/v1/programs/{PROGRAM}/pulses",
        json={"closes_at": closes_at},
        headers=bearer(settings, ADMIN, "admin"),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["pulse_id"]


def _answer(client, settings, pulse_id: str, n: int, **extra: Any):
    return client.post(
        f"/v1/pulses/{pulse_id}/responses",
        json={"answers": _answers(n), **extra},
        headers=bearer(settings, junior_employee(n), "participant"),
    )


def test_k_minus_one_answers_show_no_figures_and_k_answers_do_after_close_only_and_close_is_published(
    settings_for,
):
    settings, client = _world(settings_for, ["Sales"] * 6)
    admin = bearer(settings, ADMIN, "admin")
    short, enough = _create(client, settings), _create(client, settings)
    for n in range(1, 5):
        assert _answer(client, settings, short, n).status_code == 201
    for n in range(1, 6):
        assert _answer(client, settings, enough, n).status_code == 201

    live = client.get(f"/v1/pulses/{enough}/results", headers=admin).get_json()
    assert live["released"] is False and live["reason"] == "not_closed"
    assert {"responses", "questions", "breakdown"}.isdisjoint(live)

    closed_short = client.post(f"/v1/pulses/{short}/close", headers=admin).get_json()
    closed_enough = client.post(f"/v1/pulses/{enough}/close", headers=admin).get_json()
    assert closed_short["released"] is False and closed_short["reason"] == "not_enough_responses"
    assert {"responses", "questions", "breakdown"}.isdisjoint(closed_short)
    assert closed_enough["released"] is True and closed_enough["responses"] == 5
    assert [q["answers"] for q in closed_enough["questions"]] == [5, 5, 5, 5]
    assert client.get(f"/v1/pulses/{enough}/results", headers=admin).get_json() == closed_enough

    with running(build_worker(settings), settings):
        closed = _pulses_closed(settings, {short, enough})
    short_data, enough_data = (json.loads(closed[key].value)["data"] for key in (short, enough))
    assert short_data == {"pulse_id": short, "program_id": PROGRAM, "k": 5, "released": False,
                          "responses": None, "questions": None}  # fmt: skip
    assert enough_data["released"] is True and enough_data["responses"] == 5
    assert enough_data["questions"] == [
        {name: q[name] for name in ("question_id", "mean", "answers")} for q in closed_enough["questions"]
    ]


def test_the_worker_closes_a_pulse_when_its_window_ends_and_publishes_what_it_released(settings_for):
    settings, client = _world(settings_for, ["Sales"] * 5)
    closes_at = datetime.now(UTC) + timedelta(seconds=2)
    created = client.post(f"/v1/programs/{PROGRAM}/pulses", json={"closes_at": closes_at.isoformat()},
                          headers=bearer(settings, ADMIN, "admin"))  # fmt: skip
    pulse_id = created.get_json()["pulse_id"]
    for n in range(1, 6):
        assert _answer(client, settings, pulse_id, n).status_code == 201
    wait_for(lambda: datetime.now(UTC) > closes_at, timeout_s=10)

    with running(build_worker(settings), settings):
        record = _pulses_closed(settings, {pulse_id})[pulse_id]

    assert json.loads(record.value)["data"]["responses"] == 5
    results = client.get(f"/v1/pulses/{pulse_id}/results", headers=bearer(settings, "E-HR", "hr")).get_json()
    assert results["status"] == "closed" and results["released"] is True and results["responses"] == 5


def test_every_collection_after_pulse_answers_holds_no_person_beside_an_answer(settings_for, caplog):
    caplog.set_level(logging.INFO)
    settings, client = _world(settings_for, ["Sales"] * 5 + ["IT"] * 5)
    pulse_id = _create(client, settings)
    for n in range(1, 11):
        extra = {"talk_to_someone": True, "message": SECRET} if n == 3 else {}
        assert _answer(client, settings, pulse_id, n, **extra).status_code == 201
    db = database_for(settings)
    people = {junior_employee(n) for n in range(1, 11)} | {junior_participant(n) for n in range(1, 11)}

    holding_answers = []
    for name in db.list_collection_names():
        for document in db[name].find():
            if _holds_answers(document):
                holding_answers.append((name, document))
                text = str(document)
                assert not [p for p in people if p in text], f"{name} holds a person beside an answer"
                assert not _any(document, lambda v: isinstance(v, ObjectId | datetime)), (
                    f"{name}: time beside answers"
                )
    [(name, box)] = holding_answers
    ballots = box["ballots"]
    assert len(ballots) == 10 and all(set(b) == {"ballot_id", "answers", "group"} for b in ballots)
    # the ballots' order is not the order they were given in (1 in 10! that a shuffle keeps it)
    assert [b["answers"] for b in ballots] != [_answers(n) for n in range(1, 11)]
    # no ballot id is held anywhere else: markers and escalations share no key with a ballot
    ballot_ids = {b["ballot_id"] for b in ballots}
    for other in db.list_collection_names():
        for document in db[other].find({"_id": {"$ne": box["_id"]}} if other == name else {}):
            assert not [b for b in ballot_ids if b in str(document)], f"{other} holds a ballot id"
    # the escalation names the person (they asked to be contacted) and nothing of the ballot or the pulse
    [escalation] = list(db["pulse_escalations"].find())
    assert escalation["employee_id"] == junior_employee(3) and escalation["message"] == SECRET
    assert pulse_id not in str(escalation)
    # ... and is shown, with who asked, only to the admins it was routed to
    inbox = client.get("/v1/escalations", headers=bearer(settings, ADMIN, "admin")).get_json()["items"]
    assert [(e["employee_id"], e["message"], e["route"]) for e in inbox] == [
        (junior_employee(3), SECRET, "admin")
    ]
    assert client.get("/v1/escalations", headers=bearer(settings, "E-HR", "hr")).get_json() == {"items": []}
    assert client.get("/v1/escalations", headers=bearer(settings, "E-OTHER", "admin")).get_json() == {
        "items": []
    }
    assert (
        client.get("/v1/escalations", headers=bearer(settings, junior_employee(3), "participant")).status_code
        == 403
    )
    # no log line carries an answer or what the junior typed; the metric has no labels
    assert not [r for r in caplog.records if SECRET in r.getMessage() or "speak_candidly" in r.getMessage()]
    samples = [s for m in REGISTRY.collect() if m.name == "pulse_responses" for s in m.samples]
    assert samples and all(s.labels == {} for s in samples)


def test_erasure_leaves_nothing_of_the_person_in_the_pulse_and_every_ballot_untouched(settings_for):
    settings, client = _world(settings_for, ["Sales"] * 5)
    pulse_id = _create(client, settings)
    _answer(client, settings, pulse_id, 1, talk_to_someone=True, message=SECRET)
    _answer(client, settings, pulse_id, 2)
    db = database_for(settings)
    before = db["pulse_ballot_boxes"].find_one({"_id": pulse_id})["ballots"]

    build_bus(MongoFeedbackUnitOfWork(db)).handle(ForgetParticipant(junior_participant(1)))

    for name in ("pulses", "pulse_ballot_boxes", "pulse_markers", "pulse_escalations"):
        text = str(list(db[name].find()))
        assert junior_participant(1) not in text and junior_employee(1) not in text and SECRET not in text
    assert db["pulse_markers"].count_documents({"participant_id": junior_participant(2)}) == 1
    assert db["pulse_ballot_boxes"].find_one({"_id": pulse_id})["ballots"] == before


def test_bad_answers_are_problems_naming_the_field_and_a_second_answer_is_409(settings_for):
    settings, client = _world(settings_for, ["Sales"] * 5)
    pulse_id = _create(client, settings)
    headers = bearer(settings, junior_employee(1), "participant")
    unknown = client.post(f"/v1/pulses/{pulse_id}/responses", json={"answers": {**_answers(1), "mood": 2}},
                          headers=headers)  # fmt: skip
    out_of_range = client.post(
        f"/v1/pulses/{pulse_id}/responses",
        json={"answers": {**_answers(1), "safe_to_disagree": 0}},
        headers=headers,
    )
    assert unknown.status_code == 422 and unknown.mimetype == "application/problem+json"
    assert [e["field"] for e in unknown.get_json()["errors"]] == ["answers.mood"]
    assert [e["field"] for e in out_of_range.get_json()["errors"]] == ["answers.safe_to_disagree"]
    assert _answer(client, settings, pulse_id, 1).status_code == 201
    again = _answer(client, settings, pulse_id, 1)
    assert again.status_code == 409 and again.get_json()["code"] == "already_answered"
    assert again.get_json()["errors"] == [
        {"field": "pulse_id", "message": "you have answered this pulse already"}
    ]
    assert len(database_for(settings)["pulse_ballot_boxes"].find_one({"_id": pulse_id})["ballots"]) == 1


def _pulses_closed(settings, pulse_ids: set[str]) -> dict[str, Any]:
    """The ``PulseClosed`` records of these pulses on feedback's topic (other feedback events pass by)."""
    found: dict[str, Any] = {}

    def all_seen() -> bool:
        for record in read_topic(settings, settings.topic(FEEDBACK), expected=10_000, timeout_s=2):
            if dict(record.headers).get("ce_type", b"").decode() == PulseClosed.type:
                found[record.key.decode()] = record
        return pulse_ids <= set(found)

    wait_for(all_seen, timeout_s=40)
    return found


def _holds_answers(value: Any) -> bool:
    return _any(value, lambda v: isinstance(v, dict) and "answers" in v)


def _any(value: Any, test) -> bool:
    if test(value):
        return True
    if isinstance(value, dict):
        return any(_any(v, test) for v in value.values())
    if isinstance(value, list):
        return any(_any(v, test) for v in value)
    return False

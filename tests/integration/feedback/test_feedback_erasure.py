"""Erasure on the real servers: after ``participant.erased`` — and the ``pairing.ended`` matching publishes
because of it, arriving after — no collection of feedback's database holds the junior's participant id,
employee id or anything they typed; the leader's own records stay, and the outcome report still counts
the pairing."""

from __future__ import annotations

import json

import pytest
from pymongo import MongoClient

from services.feedback.app import create_app
from services.feedback.store import OUTBOX_COLLECTIONS
from services.feedback.worker import build_worker
from shared.contracts.types import PairingActivated, PairingEnded, ParticipantErased
from shared.events.envelope import Event
from shared.events.outbox import PENDING_FLAG
from shared.events.producer import EventPublisher
from shared.mongo import now as stored_now
from tests.integration.matching.conftest import ADMIN, TOPIC_OF, cohort_events, person, program
from tests.support.harness import bearer, running, topics_ready, wait_for
from tests.support.pairing_payloads import pairing_payload

pytestmark = pytest.mark.integration
PROG = "prog-erasure"
JUNIOR, JUNIOR_EMPLOYEE = "J-ERASED-7", "E777001"
PAIRING = pairing_payload("active", pairing_id="pr-erasure", program_id=PROG, leader_id="L-KEPT-7",
                          junior_id=JUNIOR)  # fmt: skip
WRITTEN_BY_JUNIOR = ("Shadow the board meeting", "Juniors-only note 7f3", "Onboarding reads as 1998",
                     "Let juniors rewrite it", "Reels deep dive")  # fmt: skip


def _publish(settings, events) -> None:
    """Intake's events (envelopes) and matching's (published event classes), on the real broker."""
    items = [
        (TOPIC_OF[e.type.split(".")[1]], e) if isinstance(e, Event) else (e.topic, e.envelope("/tests"))
        for e in events
    ]
    publisher = EventPublisher(settings)
    try:
        publisher.publish_all(items)
    finally:
        publisher.close()


def _relayed(database) -> bool:
    return not any(database[name].find_one({PENDING_FLAG: True}) for name in OUTBOX_COLLECTIONS)


def _post(client, path: str, headers: dict, **body) -> dict:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_erasure_then_a_late_end_leave_no_id_or_text_of_the_person_in_any_collection(settings_for):
    settings = settings_for("feedback")
    topics_ready(settings)
    app = create_app(settings)
    client = app.test_client()
    leader, junior = (
        bearer(settings, "E777002", "participant"),
        bearer(settings, JUNIOR_EMPLOYEE, "participant"),
    )
    admin, hr = bearer(settings, ADMIN, "admin"), bearer(settings, "E-HR", "hr")
    people = [
        person(PROG, "L-KEPT-7", "leader", employee_id="E777002"),
        person(PROG, JUNIOR, "junior", employee_id=JUNIOR_EMPLOYEE),
    ]
    base = "/v1/pairings/pr-erasure"
    with running(build_worker(settings), settings):
        _publish(settings, [*cohort_events(program(PROG), people), PairingActivated("pr-erasure", PAIRING)])
        wait_for(lambda: client.get(f"{base}/goals", headers=junior).status_code == 200)
        _post(client, f"{base}/goals", junior, area="strategy", title=WRITTEN_BY_JUNIOR[0])
        kept_goal = _post(client, f"{base}/goals", leader, area="ai-tools", title="Prompt weekly")
        today = stored_now().date().isoformat()
        _post(client, f"{base}/check-ins", junior, held_on=today, duration_minutes=30,
              topics=[WRITTEN_BY_JUNIOR[4]], private_notes=WRITTEN_BY_JUNIOR[1])  # fmt: skip
        _post(client, f"{base}/check-ins", leader, held_on=today, duration_minutes=30, shared_notes="Kept")
        _post(client, f"{base}/insights", junior, area="onboarding", description=WRITTEN_BY_JUNIOR[2],
              suggested_action=WRITTEN_BY_JUNIOR[3])  # fmt: skip

        _publish(settings, [ParticipantErased(JUNIOR, {"participant_id": JUNIOR, "program_id": PROG})])
        wait_for(lambda: client.get(f"{base}/health", headers=admin).get_json()["junior_id"] == "erased")
        ended = PairingEnded("pr-erasure", {**PAIRING, "state": "ended", "end_kind": "erased"})
        _publish(settings, [ended])
        wait_for(lambda: client.get(f"{base}/health", headers=admin).get_json()["state"] == "ended")
        # the report's row is rewritten by the assessment that follows the end (a separate write)
        report = wait_for(
            lambda: (
                (r := client.get(f"/v1/programs/{PROG}/outcomes", headers=hr).get_json())["pairs"]["ended"]
                and r
            )
        )
        leaders_view = client.get(f"{base}/goals", headers=leader).get_json()
        database = MongoClient(settings.mongodb_uri)[settings.mongodb_database]
        wait_for(lambda: _relayed(database))  # what the events carried left with them

    # kept on purpose: the tombstone (the pseudonymous id alone, so later events about them create nothing)
    # and intake's org chart (every employee's reporting line, participant or not: it keeps escalations
    # away from a junior's management chain; erasing a participant does not remove an employee from it)
    assert database["participants"].find_one({"_id": JUNIOR}) == {"_id": JUNIOR, "_erased": True,
                                                                  "status": "erased"}  # fmt: skip
    holding = {
        f"{name}: {needle}"
        for name in set(database.list_collection_names()) - {"orgchart"}
        for document in database[name].find({"_id": {"$ne": JUNIOR}} if name == "participants" else {})
        for needle in (JUNIOR, JUNIOR_EMPLOYEE, *WRITTEN_BY_JUNIOR)
        if needle in json.dumps(document, default=str)
    }
    assert holding == set()
    assert report["pairs"] == {"formed": 1, "active": 0, "ended": 1, "ended_early": 0}
    assert report["check_ins"]["total"] == 2 and report["insights"]["raised"] == 1
    assert report["goals"]["set"] == 1  # the leader's goal; the junior's went with them
    assert [g["goal_id"] for g in leaders_view] == [kept_goal["goal_id"]]

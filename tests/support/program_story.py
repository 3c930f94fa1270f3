"""A small program that went the whole way, through the public APIs of a running system: enrolled,
matched, published, accepted, goals, check-ins, an insight acted upon, a closed pulse. Tests that need real
ids of every kind (fuzzing, poison events) share it; ``make run``'s demo steps do the work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import requests

from deploy.local.demo import (
    ADMIN,
    COHORT_KEY,
    Demo,
    load_feedback_demo,
    load_pairings_demo,
    registration_of,
)
from shared.config import SERVICES
from shared.demo import demo_program, generate_cohort, generate_organisation


@dataclass(frozen=True)
class Story:
    ids: dict[str, str]  # by path parameter name: program_id, participant_id, pairing_id, run_id, ...
    participant: str  # employee id of the junior of an active pairing
    leader: str  # and of its leader
    pulse_answers: dict[str, int]  # a complete answer to the story's (closed) pulse
    demo: Demo


def _enrol_cohort(demo: Demo) -> str:
    """The demo's cohort on a program of its own name (the demo's program belongs to another test)."""
    base = demo.api("intake")
    session = demo.session("admin", "hr")
    program = demo_program("demo")
    body = {k: program[k] for k in ("focus_areas", "custom_focus_areas", "starts_on", "ends_on")}
    body.update(
        name=f"Story {uuid.uuid4().hex[:8]}",
        admins=[ADMIN],
        rules={k: v for k, v in program["rules"].items() if v != []},
    )
    created = session.post(f"{base}/programs", json=body, timeout=10)
    assert created.status_code == 201, created.text
    program_id = created.json()["program_id"]
    moved = session.post(f"{base}/programs/{program_id}/status", json={"status": "enrolling"}, timeout=10)
    assert moved.status_code == 200, moved.text
    organisation = generate_organisation(seed=7, employees=80)
    assert session.put(f"{base}/orgchart", json=organisation.manager_of, timeout=60).status_code == 200
    for person in generate_cohort(organisation, COHORT_KEY, leaders=3, juniors=8, seed=7):
        payload = registration_of(person, organisation)
        if payload is None:
            continue
        enrolled = session.post(
            f"{base}/participants", json={**payload, "program_id": program_id}, timeout=10
        )
        assert enrolled.status_code == 201, enrolled.text
    return program_id


def _first(session: requests.Session, url: str, key: str, **params: str) -> str:
    response = session.get(url, params=params, timeout=10)
    assert response.status_code == 200, (url, response.text)
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    assert items, f"{url} lists nothing"
    return items[0][key]


def program_story(system) -> Story:
    """Run the story on ``system`` (a ServiceProcesses) and return the ids it made."""
    urls = {service: system.api_url(service) for service in SERVICES}
    demo = Demo({"DEV_KEYS_DIR": system.settings["intake"].dev_keys_dir}, urls)
    program_id = _enrol_cohort(demo)
    demo.facts["program"] = program_id
    demo.facts.update(load_pairings_demo(demo).facts)
    load_feedback_demo(demo)
    admin = demo.session("admin")
    listed = admin.get(
        f"{urls['matching']}/v1/pairings", params={"program_id": program_id, "state": "active"}, timeout=10
    )
    pairing = listed.json()["items"][0]
    junior = pairing["junior_employee_id"]
    participant = demo.session("participant", subject=junior)
    feedback = f"{urls['feedback']}/v1/pairings/{pairing['pairing_id']}"
    deliveries = f"{urls['notifications']}/v1/deliveries"
    ids = {
        "program_id": program_id,
        "participant_id": _first(
            admin, f"{urls['intake']}/v1/participants", "participant_id",
            program_id=program_id, employee_id=junior,
        ),
        "pairing_id": pairing["pairing_id"],
        "run_id": _first(admin, f"{urls['matching']}/v1/programs/{program_id}/match-runs", "match_run_id"),
        "pulse_id": _first(admin, f"{urls['feedback']}/v1/programs/{program_id}/pulses", "pulse_id"),
        "goal_id": _first(participant, f"{feedback}/goals", "goal_id"),
        "insight_id": _first(participant, f"{feedback}/insights", "insight_id"),
        "message_id": _first(admin, deliveries, "message_id", program_id=program_id),
    }  # fmt: skip
    pulse = admin.get(f"{urls['feedback']}/v1/pulses/{ids['pulse_id']}", timeout=10).json()
    answers = {question["question_id"]: 3 for question in pulse["questions"]}
    return Story(ids, junior, pairing["leader_employee_id"], answers, demo)

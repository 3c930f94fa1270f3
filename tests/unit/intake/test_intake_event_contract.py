"""Every event intake's domain emits validates against the one published contract (shared.contracts)."""

from __future__ import annotations

from services.intake.domain import Participant, Program, diff_org_charts
from services.intake.domain.importer import import_participants
from shared.contracts import CONTACTS, ORGCHART, PARTICIPANTS, PROGRAMS, REGISTRY

INTAKE_TOPICS = (PROGRAMS, PARTICIPANTS, ORGCHART, CONTACTS)
CONTACT = {"display_name": "Ana Silva", "email": "ana.silva@example.com", "locale": "pt-PT"}


def journey(program, leader_values, junior_values, now, make_people_csv):
    """One of everything: lifecycle, enrolment, changes (contact details too), withdrawal, consent,
    erasure, org chart, import."""
    values = {k: getattr(program, k) for k in ("name", "focus_areas", "custom_focus_areas", "starts_on")}
    program, events = Program.create("prog-2", **values, ends_on=program.ends_on, admins=["E1"], now=now)
    events += program.update({"rules": {"min_seniority_gap": 4}}, now=now)
    events += program.transition("enrolling", now=now)
    leader, registered = Participant.register(program, "part-1", leader_values, now=now)
    junior, registered_junior = Participant.register(program, "part-2", junior_values, now=now)
    events += registered + registered_junior
    events += leader.update({"level": 11, "availability": []}, program, now=now)
    events += leader.update(CONTACT, program, now=now)
    events += leader.withdraw(None, now=now)
    events += leader.reenrol(program, now=now)
    events += junior.update_consent(matching=False, now=now)
    events += junior.update_consent(data_processing=False, now=now)
    events += diff_org_charts({}, {"E000100": "E000042", "E000042": None}).events()
    events += import_participants(make_people_csv(50), program, {}, now=now).events
    events += program.transition("matching", now=now)
    return events


def test_the_journey_emits_every_event_type_intake_publishes(
    program, leader_values, junior_values, now, make_people_csv
):
    events = journey(program, leader_values, junior_values, now, make_people_csv)
    assert {event.type for event in events} == {t.name for t in REGISTRY.types() if t.topic in INTAKE_TOPICS}


def test_every_emitted_payload_is_valid_against_the_one_published_schema(
    program, leader_values, junior_values, now, make_people_csv
):
    for event in journey(program, leader_values, junior_values, now, make_people_csv):
        assert event.schema is REGISTRY.get(event.type).schema
        assert event.schema().validate(event.data) == {}, event
        assert REGISTRY.get(event.type).topic == event.topic
        REGISTRY.validate(event.type, event.data)

"""Every event intake's domain emits validates against the one published contract (shared.contracts)."""

from __future__ import annotations

from services.intake.domain import Participant, Program, diff_org_charts
from services.intake.domain.importer import import_participants
from services.intake.store import MemoryDataKeys
from shared.contracts import CONTACTS, ORGCHART, PARTICIPANTS, PROGRAMS, REGISTRY
from shared.contracts.sealed import SEALED_FORMS
from shared.sealing import EventOpener, EventSealer

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
    emitted = {event.type for event in events}
    published = emitted | {form.sealed_type for form in SEALED_FORMS if form.plain_type in emitted}
    assert published == {t.name for t in REGISTRY.types() if t.topic in INTAKE_TOPICS}


def test_what_the_relay_seals_is_valid_against_the_sealed_schema_and_opens_to_the_emitted_payload(
    program, leader_values, junior_values, now, make_people_csv
):
    keys = MemoryDataKeys()
    envelopes = [
        e.envelope("/services/intake")
        for e in journey(program, leader_values, junior_values, now, make_people_csv)
    ]
    sealed = EventSealer(keys, SEALED_FORMS).seal_all(envelopes)
    opener = EventOpener(keys, SEALED_FORMS)
    kinds = set()
    for plain, published in zip(envelopes, sealed, strict=True):
        assert published is not None
        if not opener.is_sealed(published.type):
            assert published is plain
            continue
        kinds.add(published.type)
        REGISTRY.validate(published.type, published.data)
        assert set(published.data) <= {"participant_id", "program_id", "status", "sealed"}
        assert opener.open(published).data == plain.data
    assert kinds == {form.sealed_type for form in SEALED_FORMS}


def test_withdrawal_publishes_no_employee_id(program, leader_values, now):
    leader, _ = Participant.register(program, "part-1", leader_values, now=now)
    (withdrawn,) = leader.withdraw("moving to another team", now=now)
    assert withdrawn.data["employee_id"] is None
    assert "moving" not in str(withdrawn.data)


def test_every_emitted_payload_is_valid_against_the_one_published_schema(
    program, leader_values, junior_values, now, make_people_csv
):
    for event in journey(program, leader_values, junior_values, now, make_people_csv):
        assert event.schema is REGISTRY.get(event.type).schema
        assert event.schema().validate(event.data) == {}, event
        assert REGISTRY.get(event.type).topic == event.topic
        REGISTRY.validate(event.type, event.data)

"""Contact details (display name, work e-mail, locale): kept in intake, published only on the compacted
contacts topic (``contact.upserted`` / ``contact.erased``), never in the participant events."""

from __future__ import annotations

import pytest

from services.intake.domain import (
    ContactErased,
    ContactUpserted,
    InvalidInput,
    Participant,
    ParticipantErased,
    ParticipantRecorded,
    ParticipantRegistered,
    ParticipantUpdated,
)
from services.intake.domain.importer import COLUMNS, import_participants
from services.intake.service import build_bus
from services.intake.service import commands as c
from services.intake.store import MemoryIntakeUnitOfWork
from shared.auth import Principal
from shared.contracts import CONTACTS, PARTICIPANTS, REGISTRY
from shared.errors import NotFound
from tests.unit.intake.test_intake_use_cases import ADMIN, HR, create_program

CONTACT = {"display_name": "Ana Silva", "email": "ana.silva@example.com", "locale": "pt-PT"}


def register(program, values, now):
    return Participant.register(program, "part-1", values, now=now)


def errors_of(call):
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.errors


def test_registering_with_contact_details_publishes_them_on_the_contacts_topic_only(
    program, leader_values, now
):
    leader, events = register(program, {**leader_values, **CONTACT}, now)
    assert [type(e) for e in events] == [ParticipantRegistered, ContactUpserted]
    registered, contact = events
    assert registered.topic == PARTICIPANTS and not set(CONTACT) & set(registered.data)
    assert "ana.silva" not in repr(registered.data) and "Ana Silva" not in repr(registered.data)
    assert (contact.topic, contact.key) == (CONTACTS, "part-1")
    assert contact.data == {
        "participant_id": "part-1",
        "program_id": program.program_id,
        "employee_id": "E000100",
        **CONTACT,
    }
    REGISTRY.validate(contact.type, contact.data)
    assert {k: leader.to_record()[k] for k in CONTACT} == CONTACT


def test_registering_without_contact_details_publishes_no_contact_record(program, leader_values, now):
    leader, events = register(program, leader_values, now)
    assert [type(e) for e in events] == [ParticipantRegistered]
    assert leader.contact() == {"display_name": None, "email": None, "locale": None}


def test_changing_only_the_level_does_not_republish_the_contact(program, leader_values, now):
    leader, _ = register(program, {**leader_values, **CONTACT}, now)
    events = leader.update({"level": 11}, program, now=now)
    assert [type(e) for e in events] == [ParticipantUpdated]


def test_changing_only_the_email_publishes_the_whole_contact_and_no_participant_update(
    program, leader_values, now
):
    leader, _ = register(program, {**leader_values, **CONTACT}, now)
    events = leader.update({"email": "ana.s@example.com"}, program, now=now)
    assert [type(e) for e in events] == [ContactUpserted]
    assert events[0].data == {**events[0].data, **CONTACT, "email": "ana.s@example.com"}
    assert leader.update({"email": "ana.s@example.com"}, program, now=now) == []


def test_a_change_of_profile_and_contact_publishes_both(program, leader_values, now):
    leader, _ = register(program, leader_values, now)
    events = leader.update({"level": 11, "locale": "fr"}, program, now=now)
    assert [type(e) for e in events] == [ParticipantUpdated, ContactUpserted]
    assert events[1].data["locale"] == "fr" and events[1].data["email"] is None


def test_clearing_a_contact_detail_publishes_the_contact_without_it(program, leader_values, now):
    leader, _ = register(program, {**leader_values, **CONTACT}, now)
    events = leader.update({"email": None}, program, now=now)
    assert [type(e) for e in events] == [ContactUpserted]
    assert events[0].data["email"] is None and leader.email is None


def test_contact_details_are_normalised(program, leader_values, now):
    values = {"display_name": "  Ana   Silva ", "email": " Ana.Silva@Example.COM ", "locale": "en-us"}
    leader, _ = register(program, {**leader_values, **values}, now)
    assert leader.contact() == {
        "display_name": "Ana Silva",
        "email": "Ana.Silva@example.com",
        "locale": "en-US",
    }


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("email", "ana.silva", "not a valid e-mail address"),
        ("email", "ana silva@example.com", "not a valid e-mail address"),
        ("email", "a" * 250 + "@example.com", "at most 254"),
        ("display_name", "A" * 121, "at most 120"),
        ("display_name", "Ana\x00Silva", "control characters"),
        ("locale", "english!", "BCP 47"),
        ("locale", "xx-zz-qq-1", "BCP 47"),
    ],
)
def test_a_bad_contact_detail_is_refused_naming_the_field(
    program, leader_values, now, field, value, fragment
):
    errors = errors_of(lambda: register(program, {**leader_values, field: value}, now))
    assert list(errors) == [field] and fragment in errors[field][0]
    leader, _ = register(program, leader_values, now)
    assert list(errors_of(lambda: leader.update({field: value}, program, now=now))) == [field]


def test_an_invalid_email_is_not_repeated_in_the_message(program, leader_values, now):
    errors = errors_of(lambda: register(program, {**leader_values, "email": "ana.silva.private"}, now))
    assert "ana.silva.private" not in errors["email"][0]


def test_profile_and_contact_errors_are_reported_together(program, leader_values, now):
    leader, _ = register(program, leader_values, now)
    errors = errors_of(lambda: leader.update({"level": 99, "email": "nope"}, program, now=now))
    assert set(errors) == {"level", "email"}
    assert leader.level == 10 and leader.email is None  # nothing half-applied


def test_erasure_forgets_the_contact_and_publishes_contact_erased_with_ids_only(program, leader_values, now):
    leader, _ = register(program, {**leader_values, **CONTACT}, now)
    events = leader.erase(now=now)
    assert [type(e) for e in events] == [ParticipantErased, ContactErased]
    assert (events[1].topic, events[1].key) == (CONTACTS, "part-1")
    assert events[1].data == {"participant_id": "part-1", "program_id": program.program_id}
    record = repr(leader.to_record())
    assert "Ana Silva" not in record and "ana.silva" not in record and "pt-PT" not in record


# -- the use cases on the in-memory unit of work ------------------------------------------------------------


@pytest.fixture
def bus():
    return build_bus(MemoryIntakeUnitOfWork())


def test_enrolment_with_contacts_writes_both_events_into_the_participant_s_outbox(bus, leader_values):
    program_id = create_program(bus)
    events = bus.handle(c.RegisterParticipant({**leader_values, **CONTACT, "program_id": program_id}, HR))
    assert [type(e) for e in events] == [ParticipantRegistered, ContactUpserted, ParticipantRecorded]
    participant_id = events[0].key
    pending = bus.uow.participants.pending()
    assert [(e.type, e.subject) for e in pending] == [
        (ParticipantRegistered.type, participant_id),
        (ContactUpserted.type, participant_id),
    ]
    assert events[-1].record["email"] == CONTACT["email"]


def test_a_participant_changes_their_own_contact_and_nobody_else_s(bus, leader_values):
    program_id = create_program(bus)
    participant_id = bus.handle(c.RegisterParticipant({**leader_values, "program_id": program_id}, HR))[0].key
    themself = Principal(leader_values["employee_id"], frozenset({"participant"}))
    events = bus.handle(c.UpdateParticipant(participant_id, {"email": "me@example.com"}, themself))
    assert [type(e) for e in events] == [ContactUpserted, ParticipantRecorded]
    stranger = Principal("E999999", frozenset({"participant"}))
    with pytest.raises(NotFound):
        bus.handle(c.UpdateParticipant(participant_id, {"email": "evil@example.com"}, stranger))
    assert bus.uow.participants.load(participant_id).record["email"] == "me@example.com"


def test_erasure_before_relay_leaves_no_contact_in_the_outbox(bus, leader_values):
    program_id = create_program(bus)
    participant_id = bus.handle(
        c.RegisterParticipant({**leader_values, **CONTACT, "program_id": program_id}, HR)
    )[0].key
    events = bus.handle(c.EraseParticipant(participant_id, HR))
    assert [type(e) for e in events] == [ParticipantErased, ContactErased, ParticipantRecorded]
    pending = bus.uow.participants.pending()
    assert [e.type for e in pending] == [ParticipantErased.type, ContactErased.type]
    assert "ana.silva" not in repr([e.data for e in pending])
    assert bus.uow.participants.load(participant_id).record["email"] is None


def test_a_purge_erases_contacts_with_the_participants(bus, leader_values):
    program_id = create_program(bus)
    bus.handle(c.TransitionProgram(program_id, "enrolling", ADMIN))
    bus.handle(c.RegisterParticipant({**leader_values, **CONTACT, "program_id": program_id}, HR))
    bus.handle(c.TransitionProgram(program_id, "closed", ADMIN))
    bus.handle(c.PurgeProgram(program_id, ADMIN))
    pending = [e.type for e in bus.uow.participants.pending()]
    assert pending.count(ContactErased.type) == 1 and ContactUpserted.type not in pending


# -- the importer ----------------------------------------------------------------------------------------

HEADER = "employee_id,role,level,timezone,languages,topics_to_learn,display_name,email,locale"
ROW = "E000100,leader,10,Europe/Lisbon,en,ai-tools,Ana Silva,ana.silva@example.com,pt-PT"


def _ids():
    counter = iter(range(1, 1000))
    return lambda: f"part-{next(counter)}"


def _import(text, program, now, existing=None):
    return import_participants(text, program, existing or {}, now=now, new_id=_ids())


def test_the_importer_reads_optional_contact_columns(program, now):
    assert set(CONTACT) <= set(COLUMNS)
    result = _import(f"{HEADER}\n{ROW}\n", program, now)
    assert [type(e) for e in result.events] == [ParticipantRegistered, ContactUpserted]
    assert result.changes[0].participant.contact() == CONTACT


def test_reimporting_a_changed_email_publishes_only_the_contact(program, now):
    first = _import(f"{HEADER}\n{ROW}\n", program, now)
    existing = {c.participant.employee_id: c.participant for c in first.changes}
    assert _import(f"{HEADER}\n{ROW}\n", program, now, existing).report.unchanged == 1
    changed = ROW.replace("ana.silva@", "ana.s@")
    result = _import(f"{HEADER}\n{changed}\n", program, now, existing)
    assert [type(e) for e in result.events] == [ContactUpserted]
    assert result.events[0].data["email"] == "ana.s@example.com"


def test_a_file_without_contact_columns_keeps_the_contact_on_record(program, now):
    first = _import(f"{HEADER}\n{ROW}\n", program, now)
    existing = {c.participant.employee_id: c.participant for c in first.changes}
    header, row = HEADER.rsplit(",", 3)[0], ROW.rsplit(",", 3)[0].replace(",10,", ",11,")
    result = _import(f"{header}\n{row}\n", program, now, existing)
    assert [type(e) for e in result.events] == [ParticipantUpdated]
    assert result.changes[0].participant.contact() == CONTACT


def test_a_row_with_a_bad_email_is_rejected_naming_the_column(program, now):
    bad = ROW.replace("ana.silva@example.com", "ana.silva-at-example.com")
    result = _import(f"{HEADER}\n{bad}\n", program, now)
    assert result.changes == []
    [rejection] = result.report.rejected
    assert (rejection.row, rejection.field) == (2, "email")
    assert "ana.silva-at-example.com" not in rejection.reason

"""Participants' data keys (crypto-shredding): every path of erasure destroys the key, a destroyed key is
never created again, and events sealed with it no longer open."""

from __future__ import annotations

import pytest

from services.intake.service import build_bus
from services.intake.service import commands as c
from services.intake.store import MemoryDataKeys, MemoryIntakeUnitOfWork
from shared.auth import Principal
from shared.contracts.sealed import SEALED_FORMS
from shared.sealing import EventOpener, EventSealer, KeyShredded
from tests.unit.intake.test_intake_use_cases import ADMIN, HR, Clock, create_program, enrol

CONTACT = {"display_name": "Ana Silva", "email": "ana.silva@example.com"}


@pytest.fixture
def bus():
    return build_bus(MemoryIntakeUnitOfWork(Clock()))


def sealed_events_of(bus) -> list:
    """What the relay would publish of everything pending, sealed with the owner's keys."""
    pending = [
        event for event in bus.uow.participants.pending() if event.type != "mentoring.program.created.v1"
    ]
    return [e for e in EventSealer(bus.uow.data_keys, SEALED_FORMS).seal_all(pending) if e is not None]


def test_erasure_destroys_the_key_and_what_was_sealed_with_it_no_longer_opens(bus, leader_values):
    program_id = create_program(bus)
    bus.handle(c.TransitionProgram(program_id, "enrolling", ADMIN))
    participant_id = enrol(bus, program_id, leader_values, **CONTACT)
    sealed = [e for e in sealed_events_of(bus) if "sealed" in e.data]
    assert {e.type for e in sealed} == {
        "mentoring.participant.registered.v2",
        "mentoring.contact.upserted.v2",
    }
    opener = EventOpener(bus.uow.data_keys, SEALED_FORMS)
    assert opener.open(sealed[0]).data["employee_id"] == leader_values["employee_id"]

    me = Principal(leader_values["employee_id"], frozenset({"participant"}))
    bus.handle(c.EraseParticipant(participant_id, me))
    assert bus.uow.data_keys.existing([participant_id]) == {}
    assert bus.uow.data_keys.keys_for([participant_id]) == {}  # never created again
    fresh = EventOpener(bus.uow.data_keys, SEALED_FORMS)
    for event in sealed:
        with pytest.raises(KeyShredded):
            fresh.open(event)


def test_withdrawing_data_processing_consent_destroys_the_key(bus, leader_values):
    program_id = create_program(bus)
    bus.handle(c.TransitionProgram(program_id, "enrolling", ADMIN))
    participant_id = enrol(bus, program_id, leader_values)
    bus.uow.data_keys.keys_for([participant_id])
    bus.handle(c.ChangeConsent(participant_id, {"data_processing": False}, HR))
    assert bus.uow.data_keys.keys == {participant_id: None}


def test_a_purge_destroys_every_key_of_the_program_even_of_those_erased_before(bus, leader_values):
    program_id = create_program(bus)
    bus.handle(c.TransitionProgram(program_id, "enrolling", ADMIN))
    first = enrol(bus, program_id, leader_values)
    second = enrol(bus, program_id, leader_values, employee_id="E000777")
    bus.uow.data_keys.keys_for([first, second])
    bus.handle(c.TransitionProgram(program_id, "closed", ADMIN))
    bus.handle(c.PurgeProgram(program_id, ADMIN))
    assert bus.uow.data_keys.keys == {first: None, second: None}


def test_the_memory_key_store_keeps_one_key_per_participant():
    keys = MemoryDataKeys()
    first = keys.keys_for(["p-1", "p-1", "p-2"])
    assert set(first) == {"p-1", "p-2"} and len(first["p-1"]) == 32 and first["p-1"] != first["p-2"]
    assert keys.keys_for(["p-1"]) == {"p-1": first["p-1"]}
    assert keys.existing(["p-1", "p-3"]) == {"p-1": first["p-1"]}

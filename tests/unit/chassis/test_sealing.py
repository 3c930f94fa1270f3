"""Crypto-shredding (shared.sealing): a sealed block opens only with its key, in its own event; a destroyed
key makes every copy unreadable and consumers handle the event as erased."""

from __future__ import annotations

import pytest

from services.intake.store import MemoryDataKeys
from shared import worker
from shared.config import ConfigError, Settings
from shared.contracts.sealed import SEALED_FORMS
from shared.contracts.types import ContactUpserted, OrgChartEmployeeUpserted
from shared.events.registry import REGISTRY
from shared.sealing import (
    EventOpener,
    EventSealer,
    KeyShredded,
    SealError,
    associated_data,
    new_key,
    open_block,
    seal,
)

CONTACT = {
    "participant_id": "p-1",
    "program_id": "prog-1",
    "employee_id": "E000123",
    "display_name": "Ana Silva",
    "email": "ana.silva@example.com",
    "locale": "pt-PT",
}


def contact_event(data=CONTACT):
    return ContactUpserted(data["participant_id"], dict(data)).envelope("/services/intake")


class CountingKeys:
    """A key source over the owner's keys that counts lookups."""

    def __init__(self, keys: MemoryDataKeys) -> None:
        self.keys = keys
        self.lookups: list[list[str]] = []

    def existing(self, key_ids):
        self.lookups.append(list(key_ids))
        return self.keys.existing(key_ids)


def test_a_block_opens_with_its_key_and_associated_data_only():
    key, aad = new_key(), associated_data("mentoring.contact.upserted.v2", "event-1")
    block = seal({"email": "ana@example.com"}, key, "p-1", aad)
    assert "ana" not in str(block)
    assert open_block(block, key, aad) == {"email": "ana@example.com"}
    with pytest.raises(SealError):
        open_block(block, new_key(), aad)
    with pytest.raises(SealError):
        open_block(block, key, associated_data("mentoring.contact.upserted.v2", "event-2"))
    tampered = {
        **block,
        "ciphertext": block["ciphertext"][:-4] + ("AAAA" if block["ciphertext"][-4:] != "AAAA" else "BBBB"),
    }
    with pytest.raises(SealError):
        open_block(tampered, key, aad)


def test_the_sealer_keeps_only_ids_in_clear_and_the_opener_gives_back_the_plain_event():
    keys = MemoryDataKeys()
    plain = contact_event()
    (sealed,) = EventSealer(keys, SEALED_FORMS).seal_all([plain])
    assert sealed.type == "mentoring.contact.upserted.v2" and sealed.id == plain.id
    assert set(sealed.data) == {"participant_id", "program_id", "sealed"}
    for personal in ("E000123", "Ana Silva", "ana.silva@example.com", "pt-PT"):
        assert personal not in sealed.to_bytes().decode()
    REGISTRY.validate(sealed.type, sealed.data)
    opened = EventOpener(keys, SEALED_FORMS).open(sealed)
    assert (opened.type, opened.data, opened.dataschema) == (plain.type, plain.data, plain.dataschema)


def test_events_of_no_sealed_form_leave_as_they_are():
    line = OrgChartEmployeeUpserted("E1", {"employee_id": "E1", "manager_id": None}).envelope("/s")
    assert EventSealer(MemoryDataKeys(), SEALED_FORMS).seal_all([line]) == [line]


def test_after_erasure_the_key_is_never_renewed_and_pending_events_are_not_published():
    keys = MemoryDataKeys()
    sealer = EventSealer(keys, SEALED_FORMS)
    sealer.seal_all([contact_event()])
    keys.destroy("p-1")
    assert sealer.seal_all([contact_event()]) == [None]
    assert keys.existing(["p-1"]) == {}


def test_a_destroyed_key_shreds_every_copy_and_the_opener_forgets_keys_on_erasure():
    keys = MemoryDataKeys()
    (sealed,) = EventSealer(keys, SEALED_FORMS).seal_all([contact_event()])
    source = CountingKeys(keys)
    opener = EventOpener(source, SEALED_FORMS)
    opener.prefetch([sealed, sealed])
    opener.open(sealed)
    assert source.lookups == [["p-1"]]  # one lookup, then the cached key
    keys.destroy("p-1")
    opener.open(sealed)  # cached until the TTL or the erasure this consumer sees
    opener.forget("p-1")
    with pytest.raises(KeyShredded):
        opener.open(sealed)


def test_a_cached_key_expires_after_its_time_to_live():
    keys = MemoryDataKeys()
    (sealed,) = EventSealer(keys, SEALED_FORMS).seal_all([contact_event()])
    opener = EventOpener(keys, SEALED_FORMS, ttl_s=0.0)
    opener.open(sealed)
    keys.destroy("p-1")
    with pytest.raises(KeyShredded):
        opener.open(sealed)


def test_a_block_moved_to_another_person_or_event_does_not_open():
    keys = MemoryDataKeys()
    sealer = EventSealer(keys, SEALED_FORMS)
    first, second = sealer.seal_all([contact_event(), contact_event({**CONTACT, "participant_id": "p-2"})])
    opener = EventOpener(keys, SEALED_FORMS)
    with pytest.raises(SealError):
        opener.open(type(first)(**{**first.__dict__, "data": {**first.data, "participant_id": "p-2"}}))
    moved = {**second.data, "sealed": {**first.data["sealed"], "key_id": "p-2"}}
    with pytest.raises(SealError):
        opener.open(type(second)(**{**second.__dict__, "data": moved}))


def test_a_worker_that_opens_sealed_events_refuses_to_start_without_a_token_for_intake():
    settings = Settings.from_env("matching", {"JWT_JWKS_URL": "https://login.example.com/jwks.json"})
    with pytest.raises(ConfigError, match="SERVICE_TOKEN_FILE"):
        worker._key_owner(settings)
    with_token = settings.with_overrides(service_token_file="/var/run/token", intake_url="http://intake:8000")
    assert worker._key_owner(with_token).url == "http://intake:8000/v1/participant-keys/lookup"

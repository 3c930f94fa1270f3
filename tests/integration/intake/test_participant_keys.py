"""Participants' data keys on the real Mongo-wire server: the Mongo store keeps the memory twin's contract
(one key per participant, never renewed once destroyed, concurrent creators agree), and the key lookup
answers only the ``service`` role, leaving erased participants out."""

from __future__ import annotations

import base64
import threading

import pytest

from services.intake.store import MemoryDataKeys, MongoDataKeys
from shared.sealing import LOOKUP_BATCH
from tests.integration.intake.conftest import LEADER

pytestmark = pytest.mark.integration
LOOKUP = "/v1/participant-keys/lookup"


@pytest.fixture(params=["memory", "mongo"])
def keys(request, intake):
    return MemoryDataKeys() if request.param == "memory" else MongoDataKeys(intake.db)


def test_one_key_per_participant_never_renewed_once_destroyed(keys):
    made = keys.keys_for(["p-1", "p-2", "p-1"])
    assert set(made) == {"p-1", "p-2"} and {len(k) for k in made.values()} == {32}
    assert made["p-1"] != made["p-2"]
    assert keys.keys_for(["p-1"]) == {"p-1": made["p-1"]}
    assert keys.existing(["p-1", "p-9"]) == {"p-1": made["p-1"]}
    keys.destroy("p-1")
    keys.destroy("p-1")  # twice is harmless
    assert keys.existing(["p-1", "p-2"]) == {"p-2": made["p-2"]}
    assert keys.keys_for(["p-1", "p-3"]).keys() == {"p-3"}


def test_relays_creating_the_same_keys_at_once_agree_on_them(intake):
    stores = [MongoDataKeys(intake.db) for _ in range(4)]
    seen: list[dict[str, bytes]] = []
    ids = [f"p-{n}" for n in range(50)]
    threads = [threading.Thread(target=lambda s=s: seen.append(s.keys_for(ids))) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(seen) == 4 and all(found == seen[0] for found in seen) and len(seen[0]) == 50


def test_the_lookup_answers_the_service_role_only_and_leaves_erased_participants_out(intake):
    program_id = intake.create_program()["program_id"]
    pid = intake.enrol(program_id, LEADER)["participant_id"]
    key = MongoDataKeys(intake.db).keys_for([pid])[pid]
    service = intake.token("service:matching", "service")
    body = {"participant_ids": [pid, "nobody"]}
    assert intake.client.post(LOOKUP, json=body).status_code == 401
    for headers in (intake.admin, intake.hr, intake.participant(LEADER["employee_id"])):
        assert intake.client.post(LOOKUP, json=body, headers=headers).status_code == 403
    found = intake.client.post(LOOKUP, json=body, headers=service)
    assert found.status_code == 200 and found.get_json() == {"keys": {pid: base64.b64encode(key).decode()}}
    too_many = {"participant_ids": [f"p-{n}" for n in range(LOOKUP_BATCH + 1)]}
    refused = intake.client.post(LOOKUP, json=too_many, headers=service)
    assert refused.status_code == 422 and "participant_ids" in str(refused.get_json()["errors"])
    assert intake.client.delete(f"/v1/participants/{pid}", headers=intake.hr).status_code == 200
    assert intake.client.post(LOOKUP, json=body, headers=service).get_json() == {"keys": {}}

"""Contracts of feedback's stores: the pairing records and the document port under every repository; the
Mongo ones and their in-memory twins answer the same assertions (memory in tests/unit/feedback, FerretDB
in tests/integration/feedback)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

START = datetime(2026, 11, 25, 10, tzinfo=UTC)
PAIRING = {"pairing_id": "pr-1", "program_id": "prog-1", "leader_id": "L1", "junior_id": "J1"}


class PairingHealthContract:
    """Subclasses provide the ``records`` fixture: an empty store."""

    @pytest.fixture
    def records(self):
        raise NotImplementedError

    def test_a_recorded_state_reads_back_without_storage_fields(self, records):
        assert records.record("pr-1", {**PAIRING, "state": "active"}, START, "e1")
        assert records.get("pr-1") == {**PAIRING, "state": "active"}
        assert records.get("missing") is None

    def test_an_older_event_loses_and_a_repeated_one_applies_again(self, records):
        later = START + timedelta(minutes=5)
        assert records.record("pr-1", {**PAIRING, "state": "ended"}, later, "e2")
        assert not records.record("pr-1", {**PAIRING, "state": "active"}, START, "e1")
        assert records.record("pr-1", {**PAIRING, "state": "ended"}, later, "e2")
        assert records.get("pr-1")["state"] == "ended"

    def test_forgetting_a_participant_replaces_their_id_wherever_they_appear(self, records):
        records.record("pr-1", {**PAIRING, "state": "active"}, START, "e1")
        other = {**PAIRING, "pairing_id": "pr-2", "leader_id": "L2", "junior_id": "L1"}
        records.record("pr-2", {**other, "state": "active"}, START, "e2")
        records.record(
            "pr-3", {**PAIRING, "pairing_id": "pr-3", "leader_id": "L3", "junior_id": "J3"}, START, "e3"
        )
        records.forget_participant("L1")
        assert records.get("pr-1")["leader_id"] == "erased" and records.get("pr-1")["junior_id"] == "J1"
        assert records.get("pr-2")["junior_id"] == "erased" and records.get("pr-2")["leader_id"] == "L2"
        assert records.get("pr-3")["leader_id"] == "L3"

    def test_a_programs_pairings_are_read_back_by_their_ids(self, records):
        records.record("pr-1", {**PAIRING, "state": "active"}, START, "e1")
        records.record("pr-2", {**PAIRING, "pairing_id": "pr-2", "program_id": "prog-2"}, START, "e2")
        assert [p["pairing_id"] for p in records.of_program("prog-1")] == ["pr-1"]
        assert records.of_program("prog-unknown") == []


class DocumentsContract:
    """The document port feedback's repositories stand on. Subclasses provide ``documents`` (empty)."""

    @pytest.fixture
    def documents(self):
        raise NotImplementedError

    def test_an_insert_is_refused_for_an_existing_key_and_reads_back_without_storage_fields(self, documents):
        assert documents.insert("a|1", {"n": 1})
        assert not documents.insert("a|1", {"n": 2})
        assert documents.get("a|1") == {"n": 1} and documents.get("missing") is None

    def test_a_conditional_update_applies_only_while_the_expected_value_holds(self, documents):
        documents.insert("k", {"status": "raised"})
        assert documents.update("k", {"status": "acted_upon"}, expect={"status": "raised"})
        assert not documents.update("k", {"status": "other"}, expect={"status": "raised"})
        assert not documents.update("missing", {"status": "x"})
        assert documents.update("k", {"flag": "on"}, expect={"flag": None})
        assert documents.get("k") == {"status": "acted_upon", "flag": "on"}

    def test_many_keys_read_back_in_the_order_asked_skipping_missing_ones(self, documents):
        for key in ("p|3", "p|1", "p|2"):
            documents.insert(key, {"key": key})
        assert [d["key"] for d in documents.get_many(["p|2", "p|9", "p|3"])] == ["p|2", "p|3"]

    def test_add_to_set_keeps_each_value_once_and_needs_a_document_unless_upserting(self, documents):
        assert not documents.add_to_set("list", "ids", "a")
        assert documents.add_to_set("list", "ids", "a", upsert=True)
        assert documents.add_to_set("list", "ids", "a") and documents.add_to_set("list", "ids", "b")
        assert documents.get("list") == {"ids": ["a", "b"]}

    def test_a_projection_write_loses_to_a_newer_event_and_to_a_tombstone(self, documents):
        assert documents.upsert_as_of("p", {"state": "ended"}, START + timedelta(minutes=1), "e2")
        assert not documents.upsert_as_of("p", {"state": "active"}, START, "e1")
        documents.replace("p", {"_erased": True})
        assert not documents.upsert_as_of("p", {"state": "active"}, START + timedelta(days=1), "e3")

    def test_where_finds_by_a_field_and_deletes_remove(self, documents):
        documents.insert("x", {"leader_id": "L1"})
        documents.insert("y", {"leader_id": "L2"})
        assert documents.where("leader_id", "L1") == [{"leader_id": "L1"}]
        assert documents.delete("x") and not documents.delete("x")

    def test_a_prefix_reads_exactly_the_keys_that_start_with_it_in_key_order(self, documents):
        for key in ("p|2", "p|1", "p}", "p2|1", "p", "q|1", "p|é"):
            documents.insert(key, {"key": key})
        assert [d["key"] for d in documents.with_prefix("p|")] == ["p|1", "p|2", "p|é"]
        assert documents.delete_prefix("p|") == 3 and documents.get("p}") == {"key": "p}"}

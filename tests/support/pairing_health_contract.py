"""Contract of feedback's pairing health port: the Mongo records and their in-memory twin answer the same
assertions (memory in tests/unit/feedback, FerretDB in tests/integration/feedback)."""

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

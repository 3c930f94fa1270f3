"""Contract of the batch reads of notifications' people stores (store/people.py), the ones a polled run of
events is routed with: the Mongo stores and their in-memory twins answer the same assertions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.store.people import CONTACTS, PARTICIPANTS, PEOPLE, PROGRAMS
from shared.projection import VERSION_FIELD

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


class PeopleBatchContract:
    """Subclasses provide ``stores``: an empty (directory, preferences, tombstones)."""

    @pytest.fixture
    def stores(self):
        raise NotImplementedError

    def test_documents_of_many_ids_come_back_in_one_read_with_their_event_time(self, stores):
        directory, _, _ = stores
        directory.save_program("prog-1", {"name": "Digital"}, AT, "ev-1")
        directory.save_participant("L1", {"employee_id": "E1", "timezone": "Europe/Paris"}, AT, "ev-2")
        directory.save_participant("L2", {"employee_id": "E1"}, AT + timedelta(days=1), "ev-3")
        directory.save_contact("L1", {"employee_id": "E1", "email": "e1@example.com"}, AT, "ev-4")
        assert set(directory.documents_of(PROGRAMS, ["prog-1", "nope"])) == {"prog-1"}
        participants = directory.documents_of(PARTICIPANTS, ["L1", "L2", "L3"])
        assert {key: doc["employee_id"] for key, doc in participants.items()} == {"L1": "E1", "L2": "E1"}
        first, later = (participants[key][VERSION_FIELD].replace(tzinfo=UTC) for key in ("L1", "L2"))
        assert later > first, "the event time orders a person's participations"
        assert directory.documents_of(CONTACTS, ["L1", "L2"])["L1"]["email"] == "e1@example.com"
        assert sorted(directory.documents_of(PEOPLE, ["E1", "E9"])["E1"]["participant_ids"]) == ["L1", "L2"]

    def test_preferences_and_tombstones_of_many_people_come_back_in_one_read(self, stores):
        _, preferences, tombstones = stores
        preferences.put("E1", {"locale": "fr"})
        preferences.put("E2", {"locale": "en"})
        assert preferences.get_many(["E1", "E3"]) == {"E1": {"locale": "fr"}}
        tombstones.bury("L1")
        assert tombstones.erased_among(["L1", "L2"]) == {"L1"}

"""Who people are and how to reach them, as notifications keeps it: projections of intake's programs,
participants and contacts (from their events, never another service's database), each person's
preferences, and the tombstones erasure leaves.

Every look-up is by ``_id`` (the only filter the local Mongo-wire server serves from an index): programs
and participants and contacts by their id, preferences by employee id, and a small ``people`` document per
employee that lists their participant ids (one person, several programs). A tombstone is keyed by a hash
of the erased participant id, so it blocks later events about them without keeping the id itself.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from pymongo.database import Database

from shared.projection import (
    EVENT_ID_FIELD,
    TOMBSTONE_FIELD,
    VERSION_FIELD,
    MemoryProjection,
    upsert_as_of,
)

PROGRAMS = "programs"
PARTICIPANTS = "participants"
CONTACTS = "contacts"
PEOPLE = "people"
PREFERENCES = "preferences"
TOMBSTONES = "tombstones"
COLLECTIONS = (PROGRAMS, PARTICIPANTS, CONTACTS, PEOPLE, PREFERENCES, TOMBSTONES)
HIDDEN = {"_id": 0, VERSION_FIELD: 0, EVENT_ID_FIELD: 0, TOMBSTONE_FIELD: 0}


def erased_key(participant_id: str) -> str:
    """The tombstone's key: a one-way hash, so the tombstone holds no id of the person."""
    return hashlib.sha256(f"participant:{participant_id}".encode()).hexdigest()


class Directory(Protocol):
    """Projections of programs, participants and contacts (order-tolerant: an older event changes nothing)."""

    def save_program(
        self, program_id: str, fields: dict[str, Any], when: datetime, event_id: str
    ) -> bool: ...
    def program(self, program_id: str) -> dict[str, Any] | None: ...
    def save_participant(
        self, participant_id: str, fields: dict[str, Any], when: datetime, event_id: str
    ) -> bool: ...
    def participant(self, participant_id: str) -> dict[str, Any] | None: ...
    def save_contact(
        self, participant_id: str, fields: dict[str, Any], when: datetime, event_id: str
    ) -> bool: ...
    def contact(self, participant_id: str) -> dict[str, Any] | None: ...

    def participants_of(self, employee_id: str) -> list[dict[str, Any]]:
        """Every projected participant of one employee (with ``participant_id``), latest event first."""

    def contact_of_employee(self, employee_id: str) -> dict[str, Any] | None:
        """The most recent contact details of any of the employee's participants."""

    def forget(self, participant_id: str) -> None:
        """Erasure: the participant and their contact go; the employee's list no longer names them."""

    def documents_of(self, collection: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Batch reads: the stored documents (storage fields included) of ``PROGRAMS``, ``PARTICIPANTS``,
        ``CONTACTS`` or ``PEOPLE`` (``participant_ids`` per employee) with these ids, in one read."""


class PreferenceStore(Protocol):
    def get(self, employee_id: str) -> dict[str, Any] | None: ...
    def get_many(self, employee_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...
    def put(self, employee_id: str, record: dict[str, Any]) -> None: ...
    def delete(self, employee_id: str) -> None: ...


class Tombstones(Protocol):
    def bury(self, participant_id: str) -> None: ...
    def erased(self, participant_id: str) -> bool: ...
    def erased_among(self, participant_ids: Iterable[str]) -> set[str]: ...


def _by_id(collection: Any, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Documents by ``_id``, 500 ids a read (FerretDB serves an ``_id $in`` of <= 1,000 from its index)."""
    wanted = sorted(set(ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        for document in collection.find({"_id": {"$in": wanted[start : start + 500]}}):
            found[document["_id"]] = document
    return found


def _latest_first(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(documents, key=lambda d: d.get(VERSION_FIELD) or datetime.min, reverse=True)


def _visible(document: dict[str, Any], participant_id: str) -> dict[str, Any]:
    return {**{k: v for k, v in document.items() if k not in HIDDEN}, "participant_id": participant_id}


class MongoDirectory:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save_program(self, program_id: str, fields: dict[str, Any], when: datetime, event_id: str) -> bool:
        return upsert_as_of(self.db[PROGRAMS], program_id, fields, when, event_id)

    def program(self, program_id: str) -> dict[str, Any] | None:
        return self.db[PROGRAMS].find_one({"_id": program_id}, HIDDEN)

    def save_participant(
        self, participant_id: str, fields: dict[str, Any], when: datetime, event_id: str
    ) -> bool:
        applied = upsert_as_of(self.db[PARTICIPANTS], participant_id, fields, when, event_id)
        if applied and fields.get("employee_id"):
            self._list(fields["employee_id"], participant_id)
        return applied

    def participant(self, participant_id: str) -> dict[str, Any] | None:
        document = self.db[PARTICIPANTS].find_one({"_id": participant_id}, HIDDEN)
        return None if document is None else {**document, "participant_id": participant_id}

    def save_contact(
        self, participant_id: str, fields: dict[str, Any], when: datetime, event_id: str
    ) -> bool:
        applied = upsert_as_of(self.db[CONTACTS], participant_id, fields, when, event_id)
        if applied and fields.get("employee_id"):
            self._list(fields["employee_id"], participant_id)
        return applied

    def contact(self, participant_id: str) -> dict[str, Any] | None:
        return self.db[CONTACTS].find_one({"_id": participant_id}, HIDDEN)

    def _list(self, employee_id: str, participant_id: str) -> None:
        self.db[PEOPLE].update_one(
            {"_id": employee_id}, {"$addToSet": {"participant_ids": participant_id}}, upsert=True
        )

    def _ids(self, employee_id: str) -> list[str]:
        return (self.db[PEOPLE].find_one({"_id": employee_id}) or {}).get("participant_ids") or []

    def participants_of(self, employee_id: str) -> list[dict[str, Any]]:
        documents = list(self.db[PARTICIPANTS].find({"_id": {"$in": self._ids(employee_id)}}))
        return [_visible(d, d["_id"]) for d in _latest_first(documents)]

    def contact_of_employee(self, employee_id: str) -> dict[str, Any] | None:
        documents = list(self.db[CONTACTS].find({"_id": {"$in": self._ids(employee_id)}}))
        return next((_visible(d, d["_id"]) for d in _latest_first(documents)), None)

    def documents_of(self, collection: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return _by_id(self.db[collection], ids)

    def forget(self, participant_id: str) -> None:
        document = self.db[PARTICIPANTS].find_one({"_id": participant_id}) or {}
        contact = self.db[CONTACTS].find_one({"_id": participant_id}) or {}
        self.db[PARTICIPANTS].delete_one({"_id": participant_id})
        self.db[CONTACTS].delete_one({"_id": participant_id})
        for employee_id in {document.get("employee_id"), contact.get("employee_id")} - {None}:
            self.db[PEOPLE].update_one({"_id": employee_id}, {"$pull": {"participant_ids": participant_id}})
            self.db[PEOPLE].delete_one({"_id": employee_id, "participant_ids": {"$size": 0}})


class MongoPreferences:
    def __init__(self, db: Database) -> None:
        self.collection = db[PREFERENCES]

    def get(self, employee_id: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": employee_id}, {"_id": 0})

    def get_many(self, employee_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        found = _by_id(self.collection, employee_ids)
        return {key: {k: v for k, v in document.items() if k != "_id"} for key, document in found.items()}

    def put(self, employee_id: str, record: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": employee_id}, record, upsert=True)

    def delete(self, employee_id: str) -> None:
        self.collection.delete_one({"_id": employee_id})


class MongoTombstones:
    def __init__(self, db: Database) -> None:
        self.collection = db[TOMBSTONES]

    def bury(self, participant_id: str) -> None:
        self.collection.update_one(
            {"_id": erased_key(participant_id)}, {"$set": {"erased": True}}, upsert=True
        )

    def erased(self, participant_id: str) -> bool:
        return self.collection.find_one({"_id": erased_key(participant_id)}) is not None

    def erased_among(self, participant_ids: Iterable[str]) -> set[str]:
        keys = {erased_key(participant_id): participant_id for participant_id in participant_ids}
        return {keys[key] for key in _by_id(self.collection, keys)}


class MemoryDirectory:
    def __init__(self) -> None:
        self.programs = MemoryProjection()
        self.participants = MemoryProjection()
        self.contacts = MemoryProjection()
        self.people: dict[str, list[str]] = {}

    def save_program(self, program_id: str, fields: dict[str, Any], when: datetime, event_id: str) -> bool:
        return self.programs.upsert_as_of(program_id, fields, when, event_id)

    def program(self, program_id: str) -> dict[str, Any] | None:
        return self.programs.get(program_id)

    def save_participant(
        self, participant_id: str, fields: dict[str, Any], when: datetime, event_id: str
    ) -> bool:
        applied = self.participants.upsert_as_of(participant_id, fields, when, event_id)
        if applied and fields.get("employee_id"):
            self._list(fields["employee_id"], participant_id)
        return applied

    def participant(self, participant_id: str) -> dict[str, Any] | None:
        document = self.participants.get(participant_id)
        return None if document is None else {**document, "participant_id": participant_id}

    def save_contact(
        self, participant_id: str, fields: dict[str, Any], when: datetime, event_id: str
    ) -> bool:
        applied = self.contacts.upsert_as_of(participant_id, fields, when, event_id)
        if applied and fields.get("employee_id"):
            self._list(fields["employee_id"], participant_id)
        return applied

    def contact(self, participant_id: str) -> dict[str, Any] | None:
        return self.contacts.get(participant_id)

    def _list(self, employee_id: str, participant_id: str) -> None:
        listed = self.people.setdefault(employee_id, [])
        if participant_id not in listed:
            listed.append(participant_id)

    def _latest(self, projection: MemoryProjection, employee_id: str) -> list[dict[str, Any]]:
        ids = [i for i in self.people.get(employee_id, []) if i in projection.documents]
        documents = _latest_first([{**projection.documents[i], "_id": i} for i in ids])
        return [_visible(copy.deepcopy(d), d["_id"]) for d in documents]

    def participants_of(self, employee_id: str) -> list[dict[str, Any]]:
        return self._latest(self.participants, employee_id)

    def contact_of_employee(self, employee_id: str) -> dict[str, Any] | None:
        return next(iter(self._latest(self.contacts, employee_id)), None)

    def documents_of(self, collection: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        if collection == PEOPLE:
            return {i: {"participant_ids": list(self.people[i])} for i in ids if i in self.people}
        projection = {PROGRAMS: self.programs, PARTICIPANTS: self.participants, CONTACTS: self.contacts}
        documents = projection[collection].documents
        return {i: {**copy.deepcopy(documents[i]), "_id": i} for i in ids if i in documents}

    def forget(self, participant_id: str) -> None:
        self.participants.documents.pop(participant_id, None)
        self.contacts.documents.pop(participant_id, None)
        for employee_id, listed in list(self.people.items()):
            if participant_id in listed:
                listed.remove(participant_id)
            if not listed:
                del self.people[employee_id]


class MemoryPreferences:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def get(self, employee_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.documents.get(employee_id))

    def get_many(self, employee_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return {i: copy.deepcopy(self.documents[i]) for i in employee_ids if i in self.documents}

    def put(self, employee_id: str, record: dict[str, Any]) -> None:
        self.documents[employee_id] = copy.deepcopy(record)

    def delete(self, employee_id: str) -> None:
        self.documents.pop(employee_id, None)


class MemoryTombstones:
    def __init__(self) -> None:
        self.keys: set[str] = set()

    def bury(self, participant_id: str) -> None:
        self.keys.add(erased_key(participant_id))

    def erased(self, participant_id: str) -> bool:
        return erased_key(participant_id) in self.keys

    def erased_among(self, participant_ids: Iterable[str]) -> set[str]:
        return {participant_id for participant_id in participant_ids if self.erased(participant_id)}

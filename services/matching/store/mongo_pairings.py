"""Pairings, the waitlist and admin-declared conflicts on a Mongo-wire server.

Pairings are versioned aggregates carrying their events, saved through ``shared.versioned``; the waitlist
and conflicts are plain upserted documents keyed so that a repeated write changes nothing.

A program's pairings are read by ``_id``: a program filter would scan every pairing of every program on
the local FerretDB. Pairings are only ever created by ``insert``/``insert_many``, which first note their
ids in the program's document of ``PAIRING_INDEX`` (one JSON string per write), so the index names every
pairing of the program, plus at most a few ids whose insert never happened (a crash right after the
note): ``of_program`` loads the named ids and keeps what exists. A program whose pairings predate the
index is indexed once from a scan. ``history_of`` works the same way across programs: before a pairing is
stored declined or ended its id is noted in one of ``HISTORY_BUCKETS`` documents of ``PAIRING_HISTORY``
chosen by its leader's employee id (the buckets hold pairing ids only, no personal data); a run reads its
leaders' buckets in one look-up and loads the named pairings, keeping those that are (still) declined or
ended for one of its leaders.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from services.matching.store.ports import PairingQuery
from services.matching.store.schema import (
    CONFLICTS,
    ID_CHUNK,
    PAIRING_HISTORY,
    PAIRING_INDEX,
    PAIRINGS,
    READERS,
    SOURCE,
    WAITLIST,
)
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG
from shared.versioned import VERSION, WRITE_TOKEN, Insert, MongoVersionedStore, Publishable, strip

HIDDEN = {OUTBOX_FIELD: 0, PENDING_FLAG: 0, WRITE_TOKEN: 0}
LISTED = {"_id": 0, **HIDDEN}
COMPLETE = "complete"  # the index holds the pairings written before it existed, too
HISTORY_STATES = ("declined", "ended")
HISTORY_BUCKETS = 64
HISTORY_FIELDS = ("pairing_id", "state", "leader_employee_id", "junior_employee_id")


def history_bucket(employee_id: str) -> str:
    return f"bucket:{int(hashlib.sha1(employee_id.encode()).hexdigest()[:8], 16) % HISTORY_BUCKETS}"


def _history_members(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """``$set`` changes per history bucket naming these pairings, if declined or ended."""
    by_bucket: dict[str, dict[str, int]] = {}
    for record in records:
        if record.get("state") in HISTORY_STATES and record.get("leader_employee_id"):
            members = by_bucket.setdefault(history_bucket(record["leader_employee_id"]), {})
            members[f"members.{record['pairing_id'].encode().hex()}"] = 1
    return by_bucket


def waitlist_key(program_id: str, leader_id: str) -> str:
    return f"{program_id}:{leader_id}"


class MongoPairings:
    def __init__(self, db: Database, pool: Executor | None = None) -> None:
        self.collection = db[PAIRINGS]
        self.index = db[PAIRING_INDEX]
        self.history = db[PAIRING_HISTORY]
        self.store = MongoVersionedStore(self.collection, SOURCE)
        self.pool = pool or ThreadPoolExecutor(READERS, thread_name_prefix="matching-reads")

    def insert(self, record: dict[str, Any], events: Sequence[Publishable]) -> None:
        self._note([record])
        self.store.insert(record["pairing_id"], record, events)

    def insert_many(self, documents: list[tuple[dict[str, Any], Sequence[Publishable]]]) -> None:
        self._note([record for record, _ in documents])
        self.store.bulk([Insert(r["pairing_id"], r, list(events)) for r, events in documents], [])

    def _note(self, records: list[dict[str, Any]]) -> None:
        """Name the pairings in their programs' index before they exist (see the module docstring)."""
        by_program: dict[str, list[str]] = {}
        for record in records:
            by_program.setdefault(record["program_id"], []).append(record["pairing_id"])
        for program_id, ids in by_program.items():
            key = hashlib.sha1("\n".join(sorted(ids)).encode()).hexdigest()
            self.index.update_one(
                {"_id": program_id}, {"$set": {f"writes.{key}": json.dumps(sorted(ids))}}, upsert=True
            )
        self._note_history(records)

    def _note_history(self, records: Iterable[dict[str, Any]]) -> None:
        for bucket, members in _history_members(records).items():
            self.history.update_one({"_id": bucket}, {"$set": members}, upsert=True)

    def _indexed(self, program_id: str) -> set[str]:
        index = self.index.find_one({"_id": program_id})
        if index is None or not index.get(COMPLETE):
            scanned = sorted(d["_id"] for d in self.collection.find({"program_id": program_id}, {"_id": 1}))
            change = {"writes.scan": json.dumps(scanned), COMPLETE: True}
            self.index.update_one({"_id": program_id}, {"$set": change}, upsert=True)
            index = self.index.find_one({"_id": program_id}) or {}
        return {i for ids in (index.get("writes") or {}).values() for i in json.loads(ids)}

    def _load(self, ids: set[str]) -> list[dict[str, Any]]:
        """The stored pairings among ``ids``, by id (``ID_CHUNK`` per look-up, ``READERS`` at once)."""
        wanted = sorted(ids)
        chunks = [wanted[start : start + ID_CHUNK] for start in range(0, len(wanted), ID_CHUNK)]
        found = [record for records in self.pool.map(self._load_chunk, chunks) for record in records]
        return sorted(found, key=lambda r: r["pairing_id"])

    def _load_chunk(self, ids: list[str]) -> list[dict[str, Any]]:
        documents = self.collection.find({"_id": {"$in": ids}}, {OUTBOX_FIELD: 0, PENDING_FLAG: 0})
        return [{**strip(d), VERSION: d.get(VERSION, 1)} for d in documents]

    def get(self, pairing_id: str) -> dict[str, Any] | None:
        loaded = self.store.load(pairing_id)
        return None if loaded is None else {**loaded.record, "_id": pairing_id, "_version": loaded.version}

    def save(self, record: dict[str, Any], version: int, events: Sequence[Publishable]) -> None:
        self._note_history([record])
        self.store.save(record["pairing_id"], record, version, events)

    def of_program(self, program_id: str, states: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = None if states is None else set(states)
        return [
            record
            for record in self._load(self._indexed(program_id))
            if record.get("program_id") == program_id and (wanted is None or record.get("state") in wanted)
        ]

    def page(self, query: PairingQuery) -> tuple[list[dict[str, Any]], int]:
        program_id, state, employee_id = query.program_id, query.state, query.employee_id
        wanted: dict[str, Any] = {"program_id": program_id}
        if employee_id is not None:
            wanted["$or"] = [{"leader_employee_id": employee_id}, {"junior_employee_id": employee_id}]
        if state:
            wanted["state"] = state
        cursor = (
            self.collection.find(wanted, LISTED).sort("_id", ASCENDING).skip(query.skip).limit(query.limit)
        )
        return list(cursor), self.collection.count_documents(wanted)

    def history_of(self, leader_employee_ids: Iterable[str]) -> list[dict[str, Any]]:
        leaders = set(leader_employee_ids)
        if not leaders:
            return []
        wanted = [COMPLETE, *sorted({history_bucket(e) for e in leaders})]
        found = {d["_id"]: d for d in self.history.find({"_id": {"$in": wanted}})}
        if COMPLETE not in found:
            self._index_history()
            found = {d["_id"]: d for d in self.history.find({"_id": {"$in": wanted}})}
        ids = {bytes.fromhex(h).decode() for d in found.values() for h in d.get("members") or {}}
        return [
            {name: record[name] for name in HISTORY_FIELDS if name in record}
            for record in self._load(ids)
            if record.get("state") in HISTORY_STATES and record.get("leader_employee_id") in leaders
        ]

    def _index_history(self) -> None:
        """Once: note the declined and ended pairings stored before the history buckets existed."""
        fields = {"pairing_id": 1, "state": 1, "leader_employee_id": 1}
        self._note_history(self.collection.find({"state": {"$in": list(HISTORY_STATES)}}, fields))
        self.history.update_one({"_id": COMPLETE}, {"$set": {COMPLETE: True}}, upsert=True)

    def involving(self, participant_id: str) -> list[dict[str, Any]]:
        query = {"$or": [{"leader_id": participant_id}, {"junior_id": participant_id}]}
        return list(self.collection.find(query, HIDDEN).sort("_id", ASCENDING))


class MongoWaitlist:
    def __init__(self, db: Database) -> None:
        self.collection = db[WAITLIST]

    def wait(self, program_id: str, leader_id: str, reason: str, detail: str, now: datetime) -> None:
        self.collection.update_one(
            {"_id": waitlist_key(program_id, leader_id)},
            {
                "$set": {"reason": reason, "detail": detail, "updated_at": now},
                "$setOnInsert": {"program_id": program_id, "leader_id": leader_id, "since": now},
            },
            upsert=True,
        )

    def proposed_again(self, program_id: str, leader_ids: Iterable[str], run_id: str) -> None:
        keys = [waitlist_key(program_id, leader) for leader in leader_ids]
        if keys:
            self.collection.update_many({"_id": {"$in": keys}}, {"$set": {"proposed_in": run_id}})

    def leave(self, program_id: str, leader_ids: Iterable[str]) -> None:
        keys = [waitlist_key(program_id, leader) for leader in leader_ids]
        if keys:
            self.collection.delete_many({"_id": {"$in": keys}})

    def waiting(self, program_id: str) -> list[dict[str, Any]]:
        return list(self.collection.find({"program_id": program_id}, {"_id": 0}).sort("since", ASCENDING))

    def forget(self, leader_id: str) -> None:
        self.collection.delete_many({"leader_id": leader_id})


class MongoConflicts:
    def __init__(self, db: Database) -> None:
        self.collection = db[CONFLICTS]

    def add(self, record: dict[str, Any]) -> None:
        key = f"{record['leader_employee_id']}:{record['junior_employee_id']}"
        self.collection.update_one({"_id": key}, {"$set": record}, upsert=True)

    def of_leaders(self, leader_employee_ids: Iterable[str]) -> list[dict[str, Any]]:
        query = {"leader_employee_id": {"$in": sorted(set(leader_employee_ids))}}
        return list(self.collection.find(query, {"_id": 0}))

    def forget(self, employee_id: str) -> None:
        self.collection.delete_many(
            {"$or": [{"leader_employee_id": employee_id}, {"junior_employee_id": employee_id}]}
        )

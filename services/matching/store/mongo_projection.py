"""The projection of intake's data on a Mongo-wire server, with a per-program cohort snapshot.

A match run reads a program's whole enrolled cohort. Participants are keyed by their own id, and the local
FerretDB pushes down only ``_id`` look-ups, so a ``program_id`` filter would scan (and decode) every
participant of every program. Each program's enrolled payloads are therefore also kept in
``COHORT_BUCKETS`` bucket documents (``_id`` ``cohort:<program>:<n>``, members keyed by the hex of the
participant id, so any id is a safe field name), read with one ``_id: {$in}`` query. Each member is one
JSON string: the server passes a string through whole, while converting a payload's many fields is what
made reading 2,000 of them take ~0.6 s. Every participant
write refreshes its member from the participant document as that write left it, so the order-tolerance of
the projection (older events change nothing, tombstones stay) carries over to the snapshot. A program whose
buckets were never completed (data projected before the snapshot existed) is rebuilt once from a scan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.matching.store.mongo_orgchart import MongoOrgChart
from services.matching.store.schema import (
    BATCH,
    COHORT_BUCKETS,
    COHORTS,
    ID_CHUNK,
    PARTICIPANTS,
    PROGRAMS,
    READERS,
)
from shared.events.envelope import Event
from shared.projection import TOMBSTONE_FIELD, VERSION_FIELD, event_time, upsert_if_newer

HIDDEN = {"_id": 0, VERSION_FIELD: 0, "_event_id": 0, TOMBSTONE_FIELD: 0}
COMPLETE = "complete"  # set on bucket 0 once the program's buckets hold its whole cohort


def bucket_of(participant_id: str) -> int:
    """Stable across processes (unlike ``hash``)."""
    return int(hashlib.sha1(participant_id.encode()).hexdigest()[:8], 16) % COHORT_BUCKETS


def bucket_id(program_id: str, bucket: int) -> str:
    return f"cohort:{program_id}:{bucket}"


def member_key(participant_id: str) -> str:
    return "members." + participant_id.encode().hex()


def member(document: dict[str, Any]) -> str:
    """A participant document as the cohort keeps it: the payload (intake's JSON event data) and the event
    time, as one JSON string."""
    payload = {k: v for k, v in document.items() if k not in ("_id", "_event_id", TOMBSTONE_FIELD)}
    when = payload.get(VERSION_FIELD)
    if isinstance(when, datetime):
        payload[VERSION_FIELD] = when.isoformat()
    return json.dumps(payload, separators=(",", ":"))


def from_members(texts: list[str]) -> list[dict[str, Any]]:
    """Members as payloads: one JSON parse for all of them."""
    payloads = json.loads("[" + ",".join(texts) + "]")
    for payload in payloads:
        if isinstance(payload.get(VERSION_FIELD), str):
            payload[VERSION_FIELD] = datetime.fromisoformat(payload[VERSION_FIELD])
    return payloads


class MongoProjection:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.participants_ = db[PARTICIPANTS]
        self.cohorts = db[COHORTS]
        self.pool = ThreadPoolExecutor(READERS, thread_name_prefix="matching-reads")
        self.orgchart = MongoOrgChart(db, self.pool)

    # -- writes -------------------------------------------------------------------------------------
    def _upsert_participant(self, participant_id: str, fields: dict[str, Any], event: Event) -> bool:
        when = event_time(event)
        stale_or_missing = {
            "_id": participant_id,
            TOMBSTONE_FIELD: {"$ne": True},
            VERSION_FIELD: {"$not": {"$gt": when}},
        }
        try:
            document = self.participants_.find_one_and_update(
                stale_or_missing,
                {"$set": {**fields, VERSION_FIELD: when, "_event_id": event.id}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return False  # a newer event (or the tombstone) wrote it: the snapshot already reflects that
        self._reflect(document)
        return True

    def _reflect(self, document: dict[str, Any]) -> None:
        """Make the participant's cohort member match its document: present iff enrolled."""
        program_id = document.get("program_id")
        if not program_id:
            return
        key = member_key(document["_id"])
        target = {"_id": bucket_id(program_id, bucket_of(document["_id"]))}
        if document.get("status") == "enrolled" and not document.get(TOMBSTONE_FIELD):
            self.cohorts.update_one(target, {"$set": {key: member(document)}}, upsert=True)
        else:
            self.cohorts.update_one(target, {"$unset": {key: ""}})

    def save_participant(self, data: dict[str, Any], event: Event) -> bool:
        return self._upsert_participant(data["participant_id"], data, event)

    def set_participant_status(self, participant_id: str, status: str, event: Event) -> bool:
        return self._upsert_participant(participant_id, {"status": status}, event)

    def forget_participant(self, participant_id: str, program_id: str, event: Event) -> None:
        kept = {"participant_id": participant_id, "program_id": program_id, "status": "erased"}
        tombstone = {**kept, TOMBSTONE_FIELD: True, VERSION_FIELD: event_time(event), "_event_id": event.id}
        self.participants_.replace_one({"_id": participant_id}, tombstone, upsert=True)
        self._reflect({"_id": participant_id, **tombstone})

    def save_program(self, data: dict[str, Any], event: Event) -> bool:
        return upsert_if_newer(self.db[PROGRAMS], data["program_id"], data, event)

    def save_reporting_line(self, employee_id: str, manager_id: str | None, event: Event) -> bool:
        return self.orgchart.save(employee_id, manager_id, event)

    # -- reads --------------------------------------------------------------------------------------
    def participant(self, participant_id: str) -> dict[str, Any] | None:
        return self.participants_.find_one({"_id": participant_id}, HIDDEN)

    def participants(
        self, program_id: str | None, role: str | None, skip: int, limit: int
    ) -> tuple[list, int]:
        query: dict[str, Any] = {"status": {"$ne": "erased"}}
        if program_id:
            query["program_id"] = program_id
        if role:
            query["role"] = role
        cursor = self.participants_.find(query, HIDDEN).sort("_id", ASCENDING).skip(skip).limit(limit)
        return list(cursor), self.participants_.count_documents(query)

    def cohort(self, program_id: str) -> list[dict[str, Any]]:
        people, complete = self._read_buckets(program_id)
        if not complete:
            self._rebuild(program_id)
            people, _ = self._read_buckets(program_id)
        return sorted(people, key=lambda p: p["participant_id"])

    def _read_buckets(self, program_id: str) -> tuple[list[dict[str, Any]], bool]:
        """The members of every bucket (``READERS`` look-ups at once: the server's work and the decoding
        overlap), and whether bucket 0 says the buckets are complete."""
        ids = [bucket_id(program_id, n) for n in range(COHORT_BUCKETS)]
        groups = [ids[n::READERS] for n in range(READERS)]
        people, complete = [], False
        for members, marked in self.pool.map(self._read_group, groups):
            people += members
            complete = complete or marked
        return people, complete

    def _read_group(self, ids: list[str]) -> tuple[list[dict[str, Any]], bool]:
        buckets = list(self.cohorts.find({"_id": {"$in": ids}}, batch_size=BATCH))
        members = [m for b in buckets for m in (b.get("members") or {}).values()]
        complete = any(b.get(COMPLETE) for b in buckets)  # only bucket 0 carries the mark
        return from_members(members), complete

    def _rebuild(self, program_id: str) -> None:
        """Once per program: fill its buckets from a scan of the participants (the only scan left)."""
        query = {"program_id": program_id, "status": "enrolled", TOMBSTONE_FIELD: {"$ne": True}}
        by_bucket: dict[int, dict[str, Any]] = {}
        for document in self.participants_.find(query, {"_event_id": 0}, batch_size=BATCH):
            by_bucket.setdefault(bucket_of(document["_id"]), {})[member_key(document["_id"])] = member(
                document
            )
        for bucket, members in by_bucket.items():
            self.cohorts.update_one({"_id": bucket_id(program_id, bucket)}, {"$set": members}, upsert=True)
        # A participant written between the scan and the bucket update is corrected by re-reading them.
        written = [key.removeprefix("members.") for members in by_bucket.values() for key in members]
        for start in range(0, len(written), ID_CHUNK):
            chunk = [bytes.fromhex(h).decode() for h in written[start : start + ID_CHUNK]]
            for document in self.participants_.find({"_id": {"$in": chunk}}, {"_event_id": 0}):
                if document.get("status") != "enrolled" or document.get(TOMBSTONE_FIELD):
                    self._reflect(document)
        self.cohorts.update_one({"_id": bucket_id(program_id, 0)}, {"$set": {COMPLETE: True}}, upsert=True)

    def has_participants(self, program_id: str) -> bool:
        return bool(self.participants_.count_documents({"program_id": program_id}, limit=1))

    def program(self, program_id: str) -> dict[str, Any] | None:
        return self.db[PROGRAMS].find_one({"_id": program_id}, HIDDEN)

    def program_status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for program in self.db[PROGRAMS].find({}, {"status": 1}):
            counts[program.get("status", "unknown")] = counts.get(program.get("status", "unknown"), 0) + 1
        return counts

    def reporting_lines(
        self, employee_ids: Iterable[str], max_depth: int = 64, *, program_id: str | None = None
    ) -> dict[str, str | None]:
        return self.orgchart.reporting_lines(employee_ids, max_depth, program_id=program_id)

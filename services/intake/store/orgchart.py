"""The org chart on a Mongo-wire server: ``ORGCHART_BUCKETS`` documents of reporting lines, each with its own
pending events."""

from __future__ import annotations

import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.intake.service.ports import ReportingLine
from services.intake.store.names import ORGCHART, SOURCE
from shared.events.outbox import OUTBOX_FIELD, PENDING_FLAG, outbox_entries
from shared.versioned import DUPLICATE_KEY, WRITE_TOKEN, Publishable, envelopes, sampled_entries

ORGCHART_BUCKETS = 256
ORGCHART_UPLOAD = "whole-organisation-upload"  # the org chart document recording HR's last full upload


def bucket_of(employee_id: str) -> str:
    """The org chart is kept in a fixed number of documents; an employee always lives in the same one."""
    return f"bucket-{zlib.crc32(employee_id.encode()) % ORGCHART_BUCKETS:03d}"


def _line_field(employee_id: str) -> str:
    # Employee ids may hold '.' (a path separator) and start with a digit (an array index to some servers):
    # prefix them and swap '.' for '~', which an employee id never contains.
    return "e_" + employee_id.replace(".", "~")


def _employee_of(field: str) -> str:
    return field[2:].replace("~", ".")


class MongoOrgChart:
    """``{employee_id: manager_id}`` in ``ORGCHART_BUCKETS`` documents, each carrying its own pending events.

    Buckets keep a whole-organisation upload to a few hundred atomic writes (and relay acknowledgements)
    instead of one per employee, while one employee's events stay in order (same bucket, same document).
    Each write sets or unsets only the lines that changed and appends their events in the same
    single-document update, so concurrent writers to one bucket commute (no version check is needed, and
    the write is addressed by ``_id`` alone, the one filter FerretDB v1 serves without a collection scan):
    the stored line always equals the last event published for it.
    """

    def __init__(self, db: Database) -> None:
        self.collection = db[ORGCHART]

    def load(self, employees: Iterable[str] | None = None) -> dict[str, str | None]:
        wanted = sorted({bucket_of(e) for e in employees}) if employees is not None else None
        if wanted is not None and len(wanted) == 1:
            found = self.collection.find_one({"_id": wanted[0]}, {"lines": 1})
            documents = [found] if found else []
        else:
            query = {} if wanted is None else {"_id": {"$in": wanted}}
            documents = list(self.collection.find(query, {"lines": 1}))
        managers: dict[str, str | None] = {}
        for document in documents:
            managers.update(
                (_employee_of(field), manager) for field, manager in document.get("lines", {}).items()
            )
        return managers

    def set_line(self, employee: str, manager: str, events: list[Publishable], as_of: datetime) -> bool:
        """One round trip, no read: the update matches only a bucket where this line differs and is not
        newer (or creates the bucket); otherwise the upsert collides with the existing bucket (duplicate
        ``_id``): nothing to do. Lines arrive out of order; the latest ``as_of`` wins, whatever the order."""
        field = _line_field(employee)
        change = {
            "$set": {f"lines.{field}": manager, f"since.{field}": as_of, PENDING_FLAG: True},
            "$push": {OUTBOX_FIELD: {"$each": outbox_entries(envelopes(events, SOURCE))}},
        }
        condition = {f"lines.{field}": {"$ne": manager}, f"since.{field}": {"$not": {"$gt": as_of}}}
        try:
            self.collection.update_one({"_id": bucket_of(employee), **condition}, change, upsert=True)
        except DuplicateKeyError:
            return False
        return True

    def set_lines(self, lines: Sequence[ReportingLine]) -> list[bool]:
        """``set_line`` for each line in order, with its outcome, in one read and one write per bucket.

        The lines' buckets are read once and the lines applied to that copy in order (the same rule as
        ``set_line``); a bucket with changes is written once, on condition that every line it decided on
        is still as read, with the changes' events in order. Unchanged lines cost no write. A bucket whose
        condition failed (another writer came between) is done again line by line with ``set_line``.
        """
        if len(lines) == 1:
            return [self.set_line(*lines[0])]
        by_bucket: dict[str, list[int]] = defaultdict(list)
        for index, (employee, *_rest) in enumerate(lines):
            by_bucket[bucket_of(employee)].append(index)
        found = self.collection.find({"_id": {"$in": sorted(by_bucket)}}, {"lines": 1, "since": 1})
        stored = {document["_id"]: document for document in found}
        written = [False] * len(lines)
        updates: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for bucket, indexes in sorted(by_bucket.items()):
            change = _apply(stored.get(bucket, {}), [lines[i] for i in indexes])
            for i, was_written in zip(indexes, change.written, strict=True):
                written[i] = was_written
            if change.update:
                change.update["$set"][WRITE_TOKEN] = uuid.uuid4().hex
                updates[bucket] = ({"_id": bucket, **change.condition}, change.update)
        for bucket in self._write_buckets(updates, set(stored)):
            for i in by_bucket[bucket]:
                written[i] = self.set_line(*lines[i])
        return written

    def _write_buckets(self, updates: dict[str, tuple[dict, dict]], existing: set[str]) -> list[str]:
        """Apply conditional bucket updates; the buckets whose condition failed (nothing of theirs written).

        Buckets read as existing are updated in one bulk write without upserts: FerretDB v1 ignores
        ``ordered=False`` and stops a bulk at its first error, so no statement may fail; which ones did not
        match is then told by their write token. A bucket read as missing is created by an upsert of its
        own, which collides (duplicate ``_id``) if another writer created it meanwhile.
        """
        failed = []
        known = [bucket for bucket in updates if bucket in existing]
        if known:
            result = self.collection.bulk_write([UpdateOne(*updates[bucket]) for bucket in known])
            if result.matched_count < len(known):
                tokens = self.collection.find({"_id": {"$in": known}}, {WRITE_TOKEN: 1})
                applied = {
                    d["_id"]
                    for d in tokens
                    if d.get(WRITE_TOKEN) == updates[d["_id"]][1]["$set"][WRITE_TOKEN]
                }
                failed.extend(bucket for bucket in known if bucket not in applied)
        for bucket in updates:
            if bucket not in existing:
                try:
                    self.collection.update_one(*updates[bucket], upsert=True)
                except DuplicateKeyError:
                    failed.append(bucket)
        return failed

    def mark_whole_upload(self, at: datetime) -> None:
        self.collection.update_one({"_id": ORGCHART_UPLOAD}, {"$max": {"at": at}}, upsert=True)

    def last_whole_upload(self) -> datetime | None:
        document = self.collection.find_one({"_id": ORGCHART_UPLOAD})
        return document["at"] if document else None

    def write(
        self,
        upserted: Mapping[str, str | None],
        removed: Iterable[str],
        events: list[Publishable],
        as_of: datetime,
    ) -> None:
        """One write per bucket: its changed lines and their events together."""
        changes: dict[str, dict[str, Any]] = {}
        for employee, manager in upserted.items():
            field = _line_field(employee)
            changes.setdefault(bucket_of(employee), {}).setdefault("$set", {}).update(
                {f"lines.{field}": manager, f"since.{field}": as_of}
            )
        for employee in removed:
            field = _line_field(employee)
            changes.setdefault(bucket_of(employee), {}).setdefault("$unset", {}).update(
                {f"lines.{field}": "", f"since.{field}": ""}
            )
        by_bucket: dict[str, list] = defaultdict(list)
        for event in envelopes(events, SOURCE):
            by_bucket[bucket_of(event.subject or "")].append(event)
        validated: set[str] = set()
        operations = []
        for bucket, change in sorted(changes.items()):
            entries = sampled_entries(by_bucket.get(bucket, []), validated)
            if entries:
                change.setdefault("$set", {})[PENDING_FLAG] = True
                change["$push"] = {OUTBOX_FIELD: {"$each": entries}}
            operations.append(UpdateOne({"_id": bucket}, change, upsert=True))
        if not operations:
            return
        try:
            self.collection.bulk_write(operations, ordered=False)
        except BulkWriteError as error:
            # Two writers created the same bucket at once: the loser's updates are safe to apply again.
            failed = [e for e in error.details.get("writeErrors", []) if e.get("code") == DUPLICATE_KEY]
            if len(failed) != len(error.details.get("writeErrors", [])):
                raise
            self.collection.bulk_write([operations[e["index"]] for e in failed], ordered=False)


@dataclass
class _BucketChange:
    written: list[bool]
    condition: dict[str, Any]
    update: dict[str, Any]


def _apply(document: dict[str, Any], lines: list[ReportingLine]) -> _BucketChange:
    """Lines applied in order to a bucket as read, by ``set_line``'s rule: the update of the lines that
    changed with their events, and the condition that every line decided on is still as read."""
    missing = object()
    managers, since = dict(document.get("lines", {})), dict(document.get("since", {}))
    as_read = {}
    written, entries, changed = [], [], {}
    for employee, manager, events, as_of in lines:
        field = _line_field(employee)
        as_read.setdefault(field, (managers.get(field, missing), since.get(field, missing)))
        known = since.get(field)
        if managers.get(field, missing) == manager or (known is not None and known > as_of):
            written.append(False)
            continue
        managers[field], since[field] = manager, as_of
        entries.extend(outbox_entries(envelopes(events, SOURCE)))
        written.append(True)
        changed[field] = True
    if not changed:
        return _BucketChange(written, {}, {})
    condition: dict[str, Any] = {}
    for field, (manager, known) in as_read.items():
        for path, value in ((f"lines.{field}", manager), (f"since.{field}", known)):
            condition[path] = {"$exists": False} if value is missing else value
    values = {f"lines.{field}": managers[field] for field in changed}
    values.update({f"since.{field}": since[field] for field in changed})
    update = {"$set": {**values, PENDING_FLAG: True}, "$push": {OUTBOX_FIELD: {"$each": entries}}}
    return _BucketChange(written, condition, update)

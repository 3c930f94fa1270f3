"""The in-app inbox and the messages held for a digest, keyed so that every read is an ``_id`` range.

An inbox item's ``_id`` is ``<recipient>|<created, fixed width>|<item id>``: one person's items are one
range of ids, newest last, so a page is a range read whatever the size of everybody else's inbox (the
local Mongo-wire server serves only ``_id`` ranges from an index), and a cursor is the ``created|item``
tail of the last item shown. A held digest message is ``<recipient>|<local day>|<message id>``.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from services.notifications.domain.message import Message

INBOX = "inbox"
DIGEST_HELD = "digest_held"
SEPARATOR = "|"
DUPLICATE_KEY = 11000
END = "\U0010ffff"


def item_id_of(message_id: str) -> str:
    """The short, URL-safe id an inbox item is shown and marked read by."""
    return hashlib.sha256(message_id.encode()).hexdigest()[:24]


def inbox_key(recipient: str, created: datetime, item_id: str) -> str:
    return f"{recipient}{SEPARATOR}{created:%Y%m%dT%H%M%S.%f}{SEPARATOR}{item_id}"


def cursor_of(key: str) -> str:
    """The part of an item's key after its recipient: where the next (older) page starts."""
    return key.split(SEPARATOR, 1)[1]


def inbox_item(message: Message, created: datetime) -> dict[str, Any]:
    item_id = item_id_of(message.message_id)
    return {
        "_id": inbox_key(message.recipient, created, item_id),
        "id": item_id,
        "recipient": message.recipient,
        "participant_id": message.participant_id,
        "program_id": message.program_id,
        "template": message.template,
        "category": message.category,
        "subject": message.subject,
        "text": message.text,
        "created_at": created,
        "read": False,
    }


class Inbox(Protocol):
    def add(self, message: Message, created: datetime) -> bool:
        """Keep an in-app message; False if the same message is already there."""

    def add_many(self, messages: Sequence[tuple[Message, datetime]]) -> int:
        """Many in one write, without ``add``'s look-up: an item is known by its key (recipient,
        ``created``, message), so callers that pass the cause's time as ``created`` never store the same
        message twice. How many were new."""

    def page(self, recipients: Iterable[str], before: str | None, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` items of these inboxes, newest first, older than the cursor ``before``."""

    def unread(self, recipients: Iterable[str]) -> int: ...

    def mark_read(self, recipients: Iterable[str], item_id: str, at: datetime) -> bool:
        """Mark one item read; False when none of these inboxes has it."""

    def mark_all_read(self, recipients: Iterable[str], at: datetime) -> int: ...

    def forget(self, recipient: str | None, participant_id: str) -> int:
        """Erasure: the participant's items, and the whole inbox of ``recipient`` when given."""

    def redact(self, words: Iterable[str], replacement: str) -> int:
        """Erasure: replace a person's name or address wherever another person's item quotes it."""


class DigestHeld(Protocol):
    def hold(self, recipient: str, day: str, message: Message) -> None: ...
    def held(self, recipient: str, day: str) -> list[dict[str, Any]]: ...
    def release(self, recipient: str, day: str) -> int: ...
    def forget(self, recipient: str | None, participant_id: str) -> int: ...
    def redact(self, words: Iterable[str], replacement: str) -> int: ...


def _range(recipient: str, before: str | None = None) -> dict[str, str]:
    prefix = recipient + SEPARATOR
    return {"$gte": prefix, "$lt": prefix + (before or END)}


def _public(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in ("_id", "recipient", "participant_id")}


def _redacted(document: dict[str, Any], words: list[str], replacement: str) -> dict[str, Any] | None:
    changes = {}
    for field in ("subject", "text"):
        value = document.get(field)
        if isinstance(value, str) and any(w in value for w in words):
            for word in words:
                value = value.replace(word, replacement)
            changes[field] = value
    return changes or None


def _held(recipient: str, day: str, message: Message) -> dict[str, Any]:
    return {
        "_id": f"{recipient}{SEPARATOR}{day}{SEPARATOR}{message.message_id}",
        "recipient": recipient,
        "participant_id": message.participant_id,
        "program_id": message.program_id,
        "template": message.template,
        "subject": message.subject,
        "text": message.text,
    }


class MongoInbox:
    def __init__(self, db: Database) -> None:
        self.collection = db[INBOX]

    def add(self, message: Message, created: datetime) -> bool:
        item = inbox_item(message, created)
        mine = {"_id": _range(message.recipient), "id": item["id"]}
        if self.collection.find_one(mine, {"_id": 1}) is not None:
            return False
        self.collection.insert_one(item)
        return True

    def add_many(self, messages: Sequence[tuple[Message, datetime]]) -> int:
        items = list({item["_id"]: item for item in (inbox_item(m, c) for m, c in messages)}.values())
        if not items:
            return 0
        try:
            return len(self.collection.insert_many(items, ordered=False).inserted_ids)
        except BulkWriteError as error:
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                raise
            return error.details.get("nInserted", 0)

    def page(self, recipients: Iterable[str], before: str | None, limit: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for recipient in recipients:
            query = {"_id": _range(recipient, before)}
            found += self.collection.find(query).sort("_id", DESCENDING).limit(limit)
        found.sort(key=lambda d: cursor_of(d["_id"]), reverse=True)
        return [{**_public(d), "cursor": cursor_of(d["_id"])} for d in found[:limit]]

    def unread(self, recipients: Iterable[str]) -> int:
        return sum(self.collection.count_documents({"_id": _range(r), "read": False}) for r in recipients)

    def mark_read(self, recipients: Iterable[str], item_id: str, at: datetime) -> bool:
        for recipient in recipients:
            query = {"_id": _range(recipient), "id": item_id}
            if self.collection.update_one(query, {"$set": {"read": True, "read_at": at}}).matched_count:
                return True
        return False

    def mark_all_read(self, recipients: Iterable[str], at: datetime) -> int:
        changed = {"$set": {"read": True, "read_at": at}}
        return sum(
            self.collection.update_many({"_id": _range(r), "read": False}, changed).modified_count
            for r in recipients
        )

    def forget(self, recipient: str | None, participant_id: str) -> int:
        gone = self.collection.delete_many({"participant_id": participant_id}).deleted_count
        if recipient:
            gone += self.collection.delete_many({"_id": _range(recipient)}).deleted_count
        return gone

    def redact(self, words: Iterable[str], replacement: str) -> int:
        return _redact_collection(self.collection, list(words), replacement)


def _redact_collection(collection: Any, words: list[str], replacement: str) -> int:
    """A scan, run only on erasure: every document quoting one of ``words`` gets them replaced."""
    words = [w for w in words if w]
    if not words:
        return 0
    changed = 0
    for document in collection.find({}, {"subject": 1, "text": 1}):
        changes = _redacted(document, words, replacement)
        if changes:
            collection.update_one({"_id": document["_id"]}, {"$set": changes})
            changed += 1
    return changed


class MongoDigestHeld:
    def __init__(self, db: Database) -> None:
        self.collection = db[DIGEST_HELD]

    def hold(self, recipient: str, day: str, message: Message) -> None:
        document = _held(recipient, day, message)
        self.collection.replace_one({"_id": document["_id"]}, document, upsert=True)

    def held(self, recipient: str, day: str) -> list[dict[str, Any]]:
        query = {"_id": _range(f"{recipient}{SEPARATOR}{day}")}
        return [_public(d) for d in self.collection.find(query).sort("_id", 1)]

    def release(self, recipient: str, day: str) -> int:
        return self.collection.delete_many({"_id": _range(f"{recipient}{SEPARATOR}{day}")}).deleted_count

    def forget(self, recipient: str | None, participant_id: str) -> int:
        gone = self.collection.delete_many({"participant_id": participant_id}).deleted_count
        if recipient:
            gone += self.collection.delete_many({"_id": _range(recipient)}).deleted_count
        return gone

    def redact(self, words: Iterable[str], replacement: str) -> int:
        return _redact_collection(self.collection, list(words), replacement)


class _MemoryRanges:
    """Documents by ``_id`` with the same range reads as the Mongo stores."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def in_range(self, recipient: str, before: str | None = None) -> list[dict[str, Any]]:
        bounds = _range(recipient, before)
        keys = sorted(k for k in self.documents if bounds["$gte"] <= k < bounds["$lt"])
        return [self.documents[k] for k in keys]

    def forget(self, recipient: str | None, participant_id: str) -> int:
        keys = [k for k, d in self.documents.items() if d.get("participant_id") == participant_id]
        if recipient:
            keys += [d["_id"] for d in self.in_range(recipient)]
        for key in set(keys):
            del self.documents[key]
        return len(set(keys))

    def redact(self, words: Iterable[str], replacement: str) -> int:
        words = [w for w in words if w]
        changed = 0
        for document in self.documents.values():
            changes = _redacted(document, words, replacement) if words else None
            if changes:
                document.update(changes)
                changed += 1
        return changed


class MemoryInbox(_MemoryRanges):
    def add(self, message: Message, created: datetime) -> bool:
        item = inbox_item(message, created)
        if any(d["id"] == item["id"] for d in self.in_range(message.recipient)):
            return False
        self.documents[item["_id"]] = item
        return True

    def add_many(self, messages: Sequence[tuple[Message, datetime]]) -> int:
        new = {item["_id"]: item for item in (inbox_item(m, c) for m, c in messages)}
        new = {key: item for key, item in new.items() if key not in self.documents}
        self.documents.update(new)
        return len(new)

    def page(self, recipients: Iterable[str], before: str | None, limit: int) -> list[dict[str, Any]]:
        found = [d for r in recipients for d in self.in_range(r, before)]
        found.sort(key=lambda d: cursor_of(d["_id"]), reverse=True)
        return [{**_public(copy.deepcopy(d)), "cursor": cursor_of(d["_id"])} for d in found[:limit]]

    def unread(self, recipients: Iterable[str]) -> int:
        return sum(not d["read"] for r in recipients for d in self.in_range(r))

    def mark_read(self, recipients: Iterable[str], item_id: str, at: datetime) -> bool:
        for document in (d for r in recipients for d in self.in_range(r)):
            if document["id"] == item_id:
                document.update(read=True, read_at=at)
                return True
        return False

    def mark_all_read(self, recipients: Iterable[str], at: datetime) -> int:
        unread = [d for r in recipients for d in self.in_range(r) if not d["read"]]
        for document in unread:
            document.update(read=True, read_at=at)
        return len(unread)


class MemoryDigestHeld(_MemoryRanges):
    def hold(self, recipient: str, day: str, message: Message) -> None:
        document = _held(recipient, day, message)
        self.documents[document["_id"]] = document

    def held(self, recipient: str, day: str) -> list[dict[str, Any]]:
        return [_public(copy.deepcopy(d)) for d in self.in_range(f"{recipient}{SEPARATOR}{day}")]

    def release(self, recipient: str, day: str) -> int:
        keys = [d["_id"] for d in self.in_range(f"{recipient}{SEPARATOR}{day}")]
        for key in keys:
            del self.documents[key]
        return len(keys)

"""Participants' data keys (crypto-shredding, ``shared.sealing``): one AES-256 key per participant, kept
only here; erasure replaces it with a ``destroyed`` marker, so a key is never created again for that
participant and every event sealed with it stays unreadable wherever a copy of it lives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bson import Binary
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from shared.sealing import new_key

DATA_KEYS = "data_keys"
DUPLICATE_KEY = 11000


class MongoDataKeys:
    """Keys by participant id (``_id``): ``{key}`` while the participant exists, ``{destroyed}`` after."""

    def __init__(self, db: Database) -> None:
        self.collection = db[DATA_KEYS]

    def _read(self, key_ids: Sequence[str]) -> dict[str, dict]:
        return {d["_id"]: d for d in self.collection.find({"_id": {"$in": list(key_ids)}})}

    def keys_for(self, key_ids: Sequence[str]) -> dict[str, bytes]:
        found = self._read(key_ids)
        missing = [key_id for key_id in dict.fromkeys(key_ids) if key_id not in found]
        if missing:
            now = datetime.now(UTC)
            created = [{"_id": key_id, "key": Binary(new_key()), "created_at": now} for key_id in missing]
            try:
                self.collection.insert_many(created, ordered=False)
            except BulkWriteError as error:  # another relay created some of them first: theirs stand
                if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                    raise
            found.update(self._read(missing))
        return {key_id: bytes(d["key"]) for key_id, d in found.items() if d.get("key") is not None}

    def existing(self, key_ids: Sequence[str]) -> dict[str, bytes]:
        found = self._read(key_ids)
        return {key_id: bytes(d["key"]) for key_id, d in found.items() if d.get("key") is not None}

    def destroy(self, key_id: str) -> None:
        marker = {"_id": key_id, "destroyed": True, "destroyed_at": datetime.now(UTC)}
        self.collection.replace_one({"_id": key_id}, marker, upsert=True)


class MemoryDataKeys:
    """The in-memory twin, for use-case unit tests."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes | None] = {}  # None: destroyed

    def keys_for(self, key_ids: Sequence[str]) -> dict[str, bytes]:
        for key_id in key_ids:
            self.keys.setdefault(key_id, new_key())
        return self.existing(key_ids)

    def existing(self, key_ids: Sequence[str]) -> dict[str, bytes]:
        return {key_id: key for key_id in key_ids if (key := self.keys.get(key_id)) is not None}

    def destroy(self, key_id: str) -> None:
        self.keys[key_id] = None

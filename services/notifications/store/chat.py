"""Each program's chat incoming-webhook URL (optional): one document per program, Mongo and memory."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, Protocol

from pymongo.database import Database

CHAT_WEBHOOKS = "chat_webhooks"


class ChatWebhooks(Protocol):
    def put(self, program_id: str, url: str, by: str, at: datetime) -> None: ...

    def get(self, program_id: str) -> dict[str, Any] | None:
        """``{"program_id", "url", "updated_by", "updated_at"}`` or None when the program has none."""

    def delete(self, program_id: str) -> bool: ...


def _record(program_id: str, url: str, by: str, at: datetime) -> dict[str, Any]:
    return {"program_id": program_id, "url": url, "updated_by": by, "updated_at": at}


class MongoChatWebhooks:
    def __init__(self, db: Database) -> None:
        self.collection = db[CHAT_WEBHOOKS]

    def put(self, program_id: str, url: str, by: str, at: datetime) -> None:
        self.collection.replace_one({"_id": program_id}, _record(program_id, url, by, at), upsert=True)

    def get(self, program_id: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": program_id}, {"_id": 0})

    def delete(self, program_id: str) -> bool:
        return self.collection.delete_one({"_id": program_id}).deleted_count == 1


class MemoryChatWebhooks:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def put(self, program_id: str, url: str, by: str, at: datetime) -> None:
        self.documents[program_id] = _record(program_id, url, by, at)

    def get(self, program_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.documents.get(program_id))

    def delete(self, program_id: str) -> bool:
        return self.documents.pop(program_id, None) is not None

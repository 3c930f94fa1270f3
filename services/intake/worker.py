"""Intake's worker: relays programs' and participants' pending events; follows pairing status."""

from __future__ import annotations

from services.intake import events, store
from shared.config import Settings
from shared.runtime import WorkerParts
from shared.worker import build_service_worker


def build_worker(settings: Settings) -> WorkerParts:
    return build_service_worker(
        settings,
        group=events.GROUP,
        topics=events.CONSUMED_TOPICS,
        handlers=lambda db, _publisher: events.handlers(db),
        indexes=store.INDEXES,
        outbox_collections=store.OUTBOX_COLLECTIONS,
    )

"""Intake's worker: relays programs', participants' and the org chart's pending events, lays registrations'
reporting lines over the org chart, and purges closed programs' personal data once ``RETENTION_DAYS`` have
passed."""

from __future__ import annotations

import logging
import threading
import time

from services.intake import events, store
from services.intake.domain import ProgramPurged, RetentionPolicy
from services.intake.service import build_bus
from services.intake.service.commands import PurgeDueRetention
from shared.bus import MessageBus
from shared.config import Settings
from shared.events.outbox import OutboxRelay
from shared.mongo import database_for
from shared.runtime import WorkerParts
from shared.worker import build_service_worker

log = logging.getLogger(__name__)
RETENTION_CHECK_INTERVAL_S = 3600.0


class RelayWithRetention:
    """The outbox relay loop, plus a retention purge at start and then every ``check_interval_s``.

    Runs in the relay's thread (the chassis runs ``relay.run(stop, interval)``), so no extra thread and the
    same graceful stop; a failed purge is logged and retried at the next check, never fatal.
    """

    def __init__(
        self, relay: OutboxRelay, bus: MessageBus, retention: RetentionPolicy, check_interval_s: float
    ) -> None:
        self.relay = relay
        self.bus = bus
        self.retention = retention
        self.check_interval_s = check_interval_s
        self._next_check = 0.0

    def relay_once(self, batch: int = 500) -> int:
        return self.relay.relay_once(batch)

    def purge_if_due(self) -> dict[str, int]:
        if time.monotonic() < self._next_check:
            return {}
        self._next_check = time.monotonic() + self.check_interval_s
        try:
            events = self.bus.handle(PurgeDueRetention(self.retention))
        except Exception:
            log.exception("retention purge failed; retrying at the next check")
            return {}
        purged = {e.program_id: e.erased for e in events if isinstance(e, ProgramPurged)}
        for program_id, erased in purged.items():
            log.info("retention: purged program %s (%d participants erased)", program_id, erased)
        return purged

    def run(self, stop: threading.Event, interval_s: float = 0.2) -> None:
        self.relay.run(stop, interval_s, on_cycle=self.purge_if_due)


def build_worker(
    settings: Settings, *, retention_check_interval_s: float = RETENTION_CHECK_INTERVAL_S
) -> WorkerParts:
    bus = build_bus(store.MongoIntakeUnitOfWork(database_for(settings)))
    parts = build_service_worker(
        settings,
        group=events.GROUP,
        topics=events.CONSUMED_TOPICS,
        handlers=lambda _db, _publisher: events.handlers(bus),
        indexes=store.INDEXES,
        outbox_collections=store.OUTBOX_COLLECTIONS,
        data_keys=store.MongoDataKeys,  # the owner: seals its participants' events, opens its own
    )
    retention = RetentionPolicy.days(settings.retention_days)
    parts.relay = RelayWithRetention(parts.relay, bus, retention, retention_check_interval_s)
    return parts

"""The scheduler: claims due items from ``uow.schedule`` and runs the handler of each item's kind.

A handler returns None when the item's work is done (the item is removed) or the time of its next
attempt (the item is rescheduled as its next attempt). Each part adds its kind with one line in
``HANDLERS`` ("digest", "webhook", …). A handler that raises is a bug or an outage: the item is tried
again after ``error_backoff`` and, after ``max_errors`` such tries, dropped with the error logged.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from services.notifications.metrics import SCHEDULED_ITEMS
from services.notifications.service import deliver, notify, webhooks
from services.notifications.service.deliver import Dispatch
from shared.schedule import DueItem

log = logging.getLogger(__name__)
COUNT_EVERY_S = 15.0
ItemHandler = Callable[[DueItem, Dispatch], datetime | None]

HANDLERS: dict[str, ItemHandler] = {
    deliver.KIND: deliver.fire_delivery,
    notify.DIGEST_KIND: notify.fire_digest,
    webhooks.KIND: webhooks.fire_webhook,
}


class Scheduler:
    """Fires due items; ``wake`` cuts the idle wait short when an item due now was just scheduled.
    ``make_dispatch`` gives each sending thread its own dispatch (SMTP connections are not shared)."""

    def __init__(
        self,
        make_dispatch: Callable[[], Dispatch],
        handlers: Mapping[str, ItemHandler] | None = None,
        *,
        batch: int = 50,
        threads: int = 4,
        lease: timedelta = timedelta(seconds=120),
        idle_s: float = 0.5,
        error_backoff: timedelta = timedelta(seconds=30),
        max_errors: int = 10,
    ) -> None:
        self.handlers = dict(HANDLERS if handlers is None else handlers)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.batch, self.lease, self.idle_s = batch, lease, idle_s
        self.error_backoff, self.max_errors = error_backoff, max_errors
        self.wake = threading.Event()
        self._local = threading.local()
        self._make_dispatch = make_dispatch
        self.dispatch = make_dispatch()
        self.pool = (
            ThreadPoolExecutor(threads, thread_name_prefix="notifications-send") if threads > 1 else None
        )

    def _thread_dispatch(self) -> Dispatch:
        if not hasattr(self._local, "dispatch"):
            self._local.dispatch = self._make_dispatch()
        return self._local.dispatch

    def fire_due(self) -> int:
        """Claim and run one batch of due items; how many were claimed."""
        schedule = self.dispatch.uow.schedule
        items = schedule.claim_due(self.dispatch.uow.clock(), self.owner, self.batch, self.lease)
        if self.pool is None or len(items) < 2:
            for item in items:
                self._fire(item, self.dispatch)
        else:
            list(self.pool.map(lambda item: self._fire(item, self._thread_dispatch()), items))
        return len(items)

    def _fire(self, item: DueItem, dispatch: Dispatch) -> None:
        schedule = dispatch.uow.schedule
        handler = self.handlers.get(item.kind)
        if handler is None:
            log.error("no handler for scheduled %s item %s; dropped", item.kind, item.item_id)
            schedule.done(item)
            return
        try:
            retry_at = handler(item, dispatch)
        except Exception:
            if item.attempt + 1 >= self.max_errors:
                log.exception(
                    "scheduled %s item %s failed %d times; dropped", item.kind, item.item_id, item.attempt + 1
                )
                schedule.done(item)
            else:
                log.exception("scheduled %s item %s failed; tried again later", item.kind, item.item_id)
                schedule.retry(item, dispatch.uow.clock() + self.error_backoff)
            return
        if retry_at is None:
            schedule.done(item)
        else:
            schedule.retry(item, retry_at)

    def run(self, stop: threading.Event) -> None:
        """The worker's loop: fire batches while items are due, else wait (woken early by ``wake``)."""
        counted_at = 0.0
        while not stop.is_set():
            self.wake.clear()
            try:
                fired = self.fire_due()
                if time.monotonic() - counted_at > COUNT_EVERY_S:
                    SCHEDULED_ITEMS.set(self.dispatch.uow.schedule.count())
                    counted_at = time.monotonic()
            except Exception:
                log.exception("scheduler poll failed; trying again")
                fired = 0
            if fired < self.batch:
                self.wake.wait(self.idle_s)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


class WakingSchedule:
    """A schedule store that wakes the scheduler when an item due now is scheduled in this process."""

    def __init__(self, inner, wake: threading.Event, clock: Callable[[], datetime]) -> None:
        self.inner, self.wake, self.clock = inner, wake, clock

    def schedule(self, item_id, kind, due_at, payload, attempt=0) -> bool:
        created = self.inner.schedule(item_id, kind, due_at, payload, attempt)
        if due_at <= self.clock():
            self.wake.set()
        return created

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

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
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from services.notifications.metrics import SCHEDULED_ITEMS
from services.notifications.service import deliver, digest, notify, webhooks
from services.notifications.service.deliver import Dispatch
from shared.schedule import DueItem

log = logging.getLogger(__name__)
COUNT_EVERY_S = 15.0
ItemHandler = Callable[[DueItem, Dispatch], datetime | None]

HANDLERS: dict[str, ItemHandler] = {
    deliver.KIND: deliver.fire_delivery,
    notify.DIGEST_KIND: digest.fire_digest,
    notify.AWAITING_KIND: notify.fire_awaiting,
    webhooks.KIND: webhooks.fire_webhook,
}
# Kinds whose claimed items are fired together: {slot: None | retry time}; a slot left out is fired alone.
# (items, dispatch, parallel sends, slots handed over by this process's planner) -> {slot: None | retry at}
BatchItemHandler = Callable[
    [list[DueItem], Dispatch, deliver.Parallel, frozenset[str]], dict[str, datetime | None]
]
BATCH_HANDLERS: dict[str, BatchItemHandler] = {deliver.KIND: deliver.fire_deliveries}
POLL_AT_LEAST_EVERY_S = 5.0  # while items are handed over, due items (retries, digests) still get polled
LOOPS = 2  # firing loops when there are sending threads (one writes outcomes while the other sends)
HANDED_OFF_MAX = 2000  # items handed over and not yet fired; beyond it the handing thread waits
HANDED_BATCH = 4  # scheduler batches of handed items fired at once (they need no claim)


class Scheduler:
    """Fires due items; ``wake`` cuts the idle wait short when an item due now was just scheduled.
    ``make_dispatch`` gives each sending thread its own dispatch (SMTP connections are not shared)."""

    def __init__(
        self,
        make_dispatch: Callable[[], Dispatch],
        handlers: Mapping[str, ItemHandler] | None = None,
        batch_handlers: Mapping[str, BatchItemHandler] | None = None,
        *,
        batch: int = 50,
        threads: int = 4,
        lease: timedelta = timedelta(seconds=120),
        idle_s: float = 0.5,
        error_backoff: timedelta = timedelta(seconds=30),
        max_errors: int = 10,
    ) -> None:
        self.handlers = dict(HANDLERS if handlers is None else handlers)
        self.batch_handlers = dict(BATCH_HANDLERS if batch_handlers is None else batch_handlers)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.batch, self.lease, self.idle_s = batch, lease, idle_s
        self.error_backoff, self.max_errors = error_backoff, max_errors
        self.wake = threading.Event()
        self._handed: deque[DueItem] = deque()
        self._polled_at = 0.0
        self._room = threading.Condition()
        self._local = threading.local()
        self._make_dispatch = make_dispatch
        self.dispatch = make_dispatch()
        self.pool = (
            ThreadPoolExecutor(threads, thread_name_prefix="notifications-send") if threads > 1 else None
        )

    def _loop_dispatch(self) -> Dispatch:
        """The dispatch of the firing loop's thread (the first loop's own, a helper's per thread)."""
        return self._thread_dispatch() if getattr(self._local, "helper", False) else self.dispatch

    def _thread_dispatch(self) -> Dispatch:
        if not hasattr(self._local, "dispatch"):
            self._local.dispatch = self._make_dispatch()
        return self._local.dispatch

    def hand_off(self, items: list[DueItem]) -> None:
        """Items this process scheduled already claimed (due now): fired by the loop without a poll. Waits
        while too many are waiting, so a fast consumer cannot outrun the sends (and their leases)."""
        with self._room:
            self._room.wait_for(
                lambda: len(self._handed) < HANDED_OFF_MAX, timeout=self.lease.total_seconds() / 4
            )
            self._handed.extend(items)
        self.wake.set()

    def _take_handed(self) -> list[DueItem]:
        with self._room:
            items = [self._handed.popleft() for _ in range(min(HANDED_BATCH * self.batch, len(self._handed)))]
            self._room.notify_all()
        return items

    def fire_due(self) -> int:
        """Fire one batch: items handed over, else claimed due items; how many were fired."""
        items = self._take_handed()
        handed = frozenset(item.slot for item in items)
        if not items or time.monotonic() - self._polled_at > POLL_AT_LEAST_EVERY_S:
            schedule = self.dispatch.uow.schedule
            limit = max(1, self.batch - len(items))
            items += schedule.claim_due(self.dispatch.uow.clock(), self.owner, limit, self.lease)
            self._polled_at = time.monotonic()
        self.fire(items, handed)
        return len(items)

    def fire(self, items: list[DueItem], handed: frozenset[str] = frozenset()) -> None:
        """Run claimed items: kinds with a batch handler together, the rest one by one on the threads."""
        single: list[DueItem] = []
        by_kind: dict[str, list[DueItem]] = {}
        for item in items:
            if item.kind in self.batch_handlers:
                by_kind.setdefault(item.kind, []).append(item)
            else:
                single.append(item)
        for kind, group in by_kind.items():
            single += self._fire_batch(kind, group, handed)
        if self.pool is None or len(single) < 2:
            for item in single:
                self._fire(item, self._loop_dispatch())
        else:
            list(self.pool.map(lambda item: self._fire(item, self._thread_dispatch()), single))

    def _parallel(self, send: Callable, intents: list) -> list:
        if self.pool is None or len(intents) < 2:
            return [send(intent, self._loop_dispatch()) for intent in intents]
        return list(self.pool.map(lambda intent: send(intent, self._thread_dispatch()), intents))

    def _fire_batch(self, kind: str, items: list[DueItem], handed: frozenset[str]) -> list[DueItem]:
        """Fire a group through its batch handler; returns the items it left to fire one by one."""
        schedule = self.dispatch.uow.schedule
        try:
            results = self.batch_handlers[kind](items, self._loop_dispatch(), self._parallel, handed)
        except Exception:
            log.exception("a batch of %d scheduled %s items failed; firing them one by one", len(items), kind)
            return items
        finished = [item for item in items if item.slot in results and results[item.slot] is None]
        schedule.done_many(finished)
        for item in items:
            retry_at = results.get(item.slot)
            if retry_at is not None:
                schedule.retry(item, retry_at)
        return [item for item in items if item.slot not in results]

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
        """The worker's loops: fire batches while items are due, else wait (woken early by ``wake``). With
        sending threads, a second loop fires the next batch while the first writes its outcomes, so the
        SMTP connections are not idle during database writes."""
        helpers = [
            threading.Thread(target=self._loop, args=(stop, False), name=f"scheduler-{n + 1}")
            for n in range(LOOPS - 1 if self.pool is not None else 0)
        ]
        for helper in helpers:
            helper.start()
        self._loop(stop, True)
        for helper in helpers:
            helper.join()

    def _loop(self, stop: threading.Event, counting: bool) -> None:
        self._local.helper = not counting
        counted_at = 0.0
        while not stop.is_set():
            self.wake.clear()
            try:
                fired = self.fire_due()
                if counting and time.monotonic() - counted_at > COUNT_EVERY_S:
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
    """A schedule store that wakes the scheduler when an item due now is scheduled in this process; with
    a ``scheduler``, items due now scheduled together (``schedule_many``) are stored already claimed by
    it and handed straight to it: no poll and no claim per item, and a crash before they are fired
    leaves them to be claimed again when the lease runs out."""

    def __init__(
        self, inner, wake: threading.Event, clock: Callable[[], datetime], scheduler: Scheduler | None = None
    ) -> None:
        self.inner, self.wake, self.clock, self.scheduler = inner, wake, clock, scheduler
        self.hands_off = scheduler is not None  # items due now go straight to this process's scheduler

    def schedule_many(self, items, owner=None, lease_until=None) -> list[DueItem]:
        now = self.clock()
        if self.scheduler is None or owner is not None:
            stored = self.inner.schedule_many(items, owner, lease_until)
            if any(item.due_at <= now for item in stored):
                self.wake.set()
            return stored
        due = [item for item in items if item.due_at <= now]
        later = (
            self.inner.schedule_many([item for item in items if item.due_at > now])
            if len(due) < len(items)
            else []
        )
        owner, lease_until = self.scheduler.owner, now + self.scheduler.lease
        claimed = self.inner.schedule_many(due, owner, lease_until) if due else []
        if claimed:
            self.scheduler.hand_off(claimed)
        return [*claimed, *later]

    def schedule(self, item_id, kind, due_at, payload, attempt=0) -> bool:
        created = self.inner.schedule(item_id, kind, due_at, payload, attempt)
        if due_at <= self.clock():
            self.wake.set()
        return created

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

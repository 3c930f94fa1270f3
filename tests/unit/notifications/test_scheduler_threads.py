"""The scheduler's two firing loops never share a channel: an SMTP connection used from two threads at once
interleaves two transactions (the server answers ``503 nested MAIL command``, a permanent refusal, and the
e-mail is lost as failed — seen in the end-to-end program scenario when single e-mails were handed to
both loops at the same moment). No servers."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from services.notifications.domain.delivery import RetryPolicy
from services.notifications.service.deliver import Dispatch
from services.notifications.service.scheduler import Scheduler
from services.notifications.store.uow import MemoryNotificationsUnitOfWork
from shared.schedule import DueItem
from tests.support.harness import wait_for

NOW = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
ITEMS = 60


class Connection:
    """Stands for a channel's SMTP connection: remembers every thread that used it."""

    name, idempotent = "email", True

    def __init__(self) -> None:
        self.threads: set[int] = set()

    def send(self, _delivery) -> None:
        self.threads.add(threading.get_ident())


def test_each_channel_is_used_from_one_thread_only_while_both_loops_fire_single_items():
    uow = MemoryNotificationsUnitOfWork(clock=lambda: NOW)
    connections: list[Connection] = []
    fired: list[str] = []

    def make_dispatch() -> Dispatch:
        connections.append(Connection())
        return Dispatch(uow, {"email": connections[-1]}, RetryPolicy())

    def send_one(item: DueItem, dispatch: Dispatch) -> None:
        dispatch.channels["email"].send(None)
        time.sleep(0.002)  # long enough for the other loop to pick the next item meanwhile
        fired.append(item.item_id)

    scheduler = Scheduler(make_dispatch, {"probe": send_one}, {}, threads=4, idle_s=0.01)
    stop = threading.Event()
    runner = threading.Thread(target=scheduler.run, args=(stop,))
    runner.start()
    try:
        for n in range(ITEMS):  # one at a time while a loop is still sending: the other loop takes it
            scheduler.hand_off([DueItem(f"slot-{n}", f"item-{n}", "probe", NOW)])
            time.sleep(0.001)
        wait_for(lambda: len(fired) == ITEMS, timeout_s=10)
    finally:
        stop.set()
        scheduler.wake.set()
        runner.join(timeout=10)
        if scheduler.pool is not None:
            scheduler.pool.shutdown()
    assert sorted(fired) == sorted(f"item-{n}" for n in range(ITEMS))
    shared = [len(c.threads) for c in connections if len(c.threads) > 1]
    assert shared == [], f"channels used from several threads: {shared}"

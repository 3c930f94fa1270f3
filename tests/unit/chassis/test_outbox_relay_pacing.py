"""The relay's pace: a full batch goes on at once, a partial one waits for more to gather, idle backs off."""

from __future__ import annotations

import threading

from shared.events.outbox import MAX_IDLE_INTERVAL_S, OutboxRelay


class ScriptedRelay(OutboxRelay):
    """A relay whose cycles publish what a script says (count, full batch?), timed by a fake stop event."""

    def __init__(self, script: list[tuple[int, bool]]) -> None:
        super().__init__("tests", [], publisher=None)
        self.script = script
        self.cycles = 0

    def relay_once(self, batch: int = 500) -> int:
        published, self.backlog = self.script[self.cycles] if self.cycles < len(self.script) else (0, False)
        self.cycles += 1
        return published


class RecordingStop(threading.Event):
    """Records each pause instead of sleeping; sets itself after ``limit`` pauses."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.pauses: list[float] = []
        self.limit = limit

    def wait(self, timeout: float | None = None) -> bool:
        self.pauses.append(timeout)
        if len(self.pauses) >= self.limit:
            self.set()
        return self.is_set()


def test_a_full_batch_goes_on_at_once_a_partial_one_pauses_and_an_idle_relay_backs_off():
    relay = ScriptedRelay([(500, True), (500, True), (40, False), (12, False), (0, False), (0, False)])
    stop = RecordingStop(limit=10)
    checks: list[int] = []
    relay.run(stop, interval_s=0.2, on_cycle=lambda: checks.append(relay.cycles))
    # two full batches back to back, then a pause after each partial one, then doubling while idle
    assert stop.pauses[:6] == [0.2, 0.2, 0.2, 0.4, 0.8, MAX_IDLE_INTERVAL_S]
    assert checks[:4] == [0, 1, 2, 3]  # on_cycle runs before every cycle

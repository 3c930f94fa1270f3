"""``python -m bench.profiled_worker SERVICE OUT_DIR``: a service's worker with cProfile in every thread
(consumer, relay, scheduler, sending threads): one ``<thread>.prof`` per thread in OUT_DIR at exit (read
with ``python -m pstats``) and ``database.json``, the round trips by command and collection with their
total time. ``python -m bench.notifications --profile DIR`` runs it to show where the time goes."""

from __future__ import annotations

import cProfile
import json
import os
import sys
import threading
from collections import defaultdict

from pymongo import monitoring

from shared.runtime import main

profiles: list[tuple[str, cProfile.Profile]] = []
_run = threading.Thread.run


def _profiled_run(self: threading.Thread) -> None:
    profile = cProfile.Profile()
    profiles.append((self.name, profile))
    profile.enable()
    try:
        _run(self)
    finally:
        profile.disable()


class _Commands(monitoring.CommandListener):
    """Database round trips by command and collection: how many, and their total time (server + wire)."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self.names: dict[int, str] = {}
        self.lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        with self.lock:
            self.names[event.request_id] = f"{event.command_name} {target if isinstance(target, str) else ''}"

    def _end(self, event) -> None:
        with self.lock:
            total = self.totals[self.names.pop(event.request_id, event.command_name)]
            total[0] += 1
            total[1] += event.duration_micros / 1000

    succeeded = failed = _end


def run(service: str, out: str) -> None:
    commands = _Commands()
    monitoring.register(commands)
    threading.Thread.run = _profiled_run  # type: ignore[method-assign]
    consumer = cProfile.Profile()
    profiles.append(("consumer", consumer))
    consumer.enable()
    try:
        main(service, ["worker"])
    finally:
        consumer.disable()
        os.makedirs(out, exist_ok=True)
        for n, (name, profile) in enumerate(profiles):
            profile.dump_stats(os.path.join(out, f"{n:02d}-{name}.prof"))
        ranked = sorted(commands.totals.items(), key=lambda kv: -kv[1][1])
        summary = {name: {"calls": int(calls), "ms": round(ms, 1)} for name, (calls, ms) in ranked}
        with open(os.path.join(out, "database.json"), "w") as file:
            json.dump(summary, file, indent=1)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2])

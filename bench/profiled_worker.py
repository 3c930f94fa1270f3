"""``python -m bench.profiled_worker SERVICE OUT_DIR``: a service's worker with cProfile in every thread
(consumer, relay, scheduler, sending threads); one ``<thread>.prof`` per thread in OUT_DIR at exit, for
``python -m pstats``. Used by ``python -m bench.notifications --profile DIR`` to show where the time goes."""

from __future__ import annotations

import cProfile
import os
import sys
import threading

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


def run(service: str, out: str) -> None:
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


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2])

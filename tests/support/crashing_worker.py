"""A notifications worker that dies (os._exit, like SIGKILL) right after its first effect, before commit."""

from __future__ import annotations

import os
import sys

from services.notifications.worker import build_worker
from shared.config import Settings

CRASH_EXIT_CODE = 17


def main() -> None:
    settings = Settings.from_env("notifications")
    parts = build_worker(settings)
    consumer = parts.consumer
    for event_type, handler in list(consumer.handlers.items()):

        def crash_after(event, _handler=handler):
            _handler(event)
            os._exit(CRASH_EXIT_CODE)

        consumer.handlers[event_type] = crash_after
    for _ in range(600):
        consumer.poll_once(timeout_ms=100)
    sys.exit(1)


if __name__ == "__main__":
    main()

"""JSON logs carrying the current request id and event id, so one flow can be followed across services."""

from __future__ import annotations

import contextvars
import logging
import sys

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = request_id_var.get()
        record.event_id = event_id_var.get()
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log line to stderr as one JSON object; idempotent so app factories can call it freely."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_mentoring", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._mentoring = True  # type: ignore[attr-defined]
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s %(event_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
        root.addHandler(handler)
    handler.filters.clear()
    handler.addFilter(_ContextFilter(service))
    root.setLevel(level)
    for noisy in ("kafka", "pymongo", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))

"""The pulse's scheduled work: which command a due item of each pulse kind becomes in the worker's
scheduler loop (closing a pulse when its window ends)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.feedback.pulse.commands import CLOSE_KIND, ClosePulse
from shared.messages import Command

DUE: dict[str, Callable[[dict[str, Any]], Command]] = {
    CLOSE_KIND: lambda payload: ClosePulse(payload["pulse_id"]),
}

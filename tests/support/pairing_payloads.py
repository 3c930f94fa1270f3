"""A pairing event's payload as matching publishes it, for the consumers' tests (notifications, feedback)."""

from __future__ import annotations

from typing import Any


def pairing_payload(state: str, **extra: Any) -> dict[str, Any]:
    return {
        "pairing_id": "pr-1",
        "program_id": "prog-1",
        "leader_id": "L1",
        "junior_id": "J1",
        "state": state,
        **extra,
    }

"""Pure feedback rules: pairing health and the k-anonymity threshold of the safety pulse."""

from __future__ import annotations

from collections.abc import Sequence

PULSE_MIN_RESPONSES = 3


def pulse_summary(scores: Sequence[int]) -> dict[str, float | int] | None:
    """Aggregate pulse scores only when at least k responses exist; below that, no figures at all."""
    if len(scores) < PULSE_MIN_RESPONSES:
        return None
    return {"responses": len(scores), "mean": round(sum(scores) / len(scores), 2)}


def health_after(event_type: str) -> str | None:
    """The pairing health state an incoming pairing event implies (None: no change)."""
    return {
        "mentoring.pairing.activated.v1": "active",
        "mentoring.pairing.ended.v1": "ended",
    }.get(event_type)

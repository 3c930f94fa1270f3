"""Pure feedback rules: pairing health and the k-anonymity threshold of the safety pulse."""

from __future__ import annotations

from collections.abc import Sequence

from shared.contracts.types import PairingActivated, PairingEnded
from shared.messages import PublishedEvent

PULSE_MIN_RESPONSES = 3
HEALTH_AFTER: dict[type[PublishedEvent], str] = {PairingActivated: "active", PairingEnded: "ended"}


def pulse_summary(scores: Sequence[int]) -> dict[str, float | int] | None:
    """Aggregate pulse scores only when at least k responses exist; below that, no figures at all."""
    if len(scores) < PULSE_MIN_RESPONSES:
        return None
    return {"responses": len(scores), "mean": round(sum(scores) / len(scores), 2)}


def health_after(cause: PublishedEvent) -> str | None:
    """The pairing health state a pairing event implies (None: no change)."""
    return HEALTH_AFTER.get(type(cause))

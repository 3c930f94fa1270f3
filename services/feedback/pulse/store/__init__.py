"""The pulse's database: pulse definitions (with their outbox), one ballot box per pulse, "has answered"
markers and escalations, in four collections that share no key, time or order (see ``services.feedback
.pulse`` for why). ``MongoPulseStore`` and ``MemoryPulseStore`` pass one contract
(tests/support/pulse_store_contract.py)."""

from services.feedback.pulse.store.memory import MemoryPulseStore
from services.feedback.pulse.store.mongo import MongoPulseStore
from services.feedback.pulse.store.port import (
    BALLOT_BOXES,
    ESCALATIONS,
    INDEXES,
    MARKERS,
    OUTBOX_COLLECTIONS,
    PULSES,
    Marker,
    PulseStore,
    escalation_key,
    marker_key,
)

__all__ = [
    "BALLOT_BOXES",
    "ESCALATIONS",
    "INDEXES",
    "MARKERS",
    "OUTBOX_COLLECTIONS",
    "PULSES",
    "Marker",
    "MemoryPulseStore",
    "MongoPulseStore",
    "PulseStore",
    "escalation_key",
    "marker_key",
]

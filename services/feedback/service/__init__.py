"""Feedback's use cases: commands, their handlers, the queries routes read, and the bus that runs them."""

from services.feedback.service.bus import build_bus
from services.feedback.service.projections import PAIRING_FIELDS, TrackPairingHealth
from shared.messages import ForgetParticipant

__all__ = ["PAIRING_FIELDS", "ForgetParticipant", "TrackPairingHealth", "build_bus"]

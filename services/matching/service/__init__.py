"""Matching's service layer: commands, their handlers (runs, review, pairings, projections, erasure),
the bus that dispatches them with their follow-ups, and the queries the API reads through.

Imports run one way: entrypoints (api, events) → this package → domain; stores implement its ports.
"""

from services.matching.service.bus import FOLLOW_UPS, HANDLERS, build_bus

__all__ = ["FOLLOW_UPS", "HANDLERS", "build_bus"]

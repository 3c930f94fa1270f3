"""Matching's service layer: commands, their handlers (runs, review, pairings, projections, erasure),
the bus that dispatches them with their follow-ups, and the queries the API reads through.

Imports run one way: entrypoints (api, events) → this package → domain; stores implement its ports.
The results a command answers with (a run, a pairing or a conflict as stored) are re-exported here, so
routes read them without importing the domain.
"""

from services.matching.domain import ConflictDeclared, MatchRunRecorded, PairingRecorded
from services.matching.service.bus import FOLLOW_UPS, HANDLERS, build_bus

__all__ = ["FOLLOW_UPS", "HANDLERS", "ConflictDeclared", "MatchRunRecorded", "PairingRecorded", "build_bus"]

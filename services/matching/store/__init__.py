"""Matching's own database: projections of intake's data, match runs, run locks, pairings, waitlist.

Use cases depend on the ports (``ports.py``) through ``MatchingUnitOfWork``: ``MongoMatchingUnitOfWork(db,
clock=...)`` in the services, ``MemoryMatchingUnitOfWork(clock=...)`` in unit tests. Stale saves raise
``shared.errors.StaleWrite``.
"""

from services.matching.store.ports import (
    Conflicts,
    MatchingUnitOfWork,
    MatchRuns,
    Pairings,
    Projection,
    RunLock,
    Waitlist,
)
from services.matching.store.schema import (
    COHORTS,
    CONFLICTS,
    INDEXES,
    LOCK_TTL,
    MATCH_RUNS,
    ORGCHART,
    OUTBOX_COLLECTIONS,
    PAIRING_HISTORY,
    PAIRING_INDEX,
    PAIRINGS,
    PARTICIPANTS,
    PROGRAMS,
    RUN_INDEX,
    RUN_LOCKS,
    WAITLIST,
)
from services.matching.store.uow import MemoryMatchingUnitOfWork, MongoMatchingUnitOfWork

__all__ = [
    "COHORTS",
    "CONFLICTS",
    "INDEXES",
    "LOCK_TTL",
    "MATCH_RUNS",
    "ORGCHART",
    "OUTBOX_COLLECTIONS",
    "PAIRINGS",
    "PAIRING_HISTORY",
    "PAIRING_INDEX",
    "PARTICIPANTS",
    "PROGRAMS",
    "RUN_INDEX",
    "RUN_LOCKS",
    "WAITLIST",
    "Conflicts",
    "MatchRuns",
    "MatchingUnitOfWork",
    "MemoryMatchingUnitOfWork",
    "MongoMatchingUnitOfWork",
    "Pairings",
    "Projection",
    "RunLock",
    "Waitlist",
]

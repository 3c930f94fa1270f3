"""Matching's own database: projections of intake's data, match runs, run locks, pairings, waitlist.

Use cases depend on the ports (``ports.py``) through ``MatchingUnitOfWork``: ``MongoMatchingUnitOfWork(db,
clock=...)`` in the services, ``MemoryMatchingUnitOfWork(clock=...)`` in unit tests. Port names versus the
old store classes: ``ProjectionStore.enrolled`` → ``projection.cohort``; ``MatchRunStore.acquire/release``
→ ``run_lock``; ``PairingStore`` → ``pairings`` (``page`` takes program_id/state/employee_id instead of a
Mongo query), ``waitlist`` (``wait``, ``proposed_again``, ``leave``, ``waiting``, ``forget``) and
``conflicts`` (``add``, ``of_leaders``, ``forget``). Stale saves raise ``shared.errors.StaleWrite``.
"""

from services.matching.store.legacy import MatchRunStore, PairingStore, ProjectionStore
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
    PAIRINGS,
    PARTICIPANTS,
    PROGRAMS,
    RUN_INDEX,
    RUN_LOCKS,
    WAITLIST,
)
from services.matching.store.uow import MemoryMatchingUnitOfWork, MongoMatchingUnitOfWork
from shared.errors import StaleWrite  # re-exported until the service layer imports it from shared.errors

__all__ = [
    "COHORTS",
    "CONFLICTS",
    "INDEXES",
    "LOCK_TTL",
    "MATCH_RUNS",
    "ORGCHART",
    "OUTBOX_COLLECTIONS",
    "PAIRINGS",
    "PARTICIPANTS",
    "PROGRAMS",
    "RUN_INDEX",
    "RUN_LOCKS",
    "WAITLIST",
    "Conflicts",
    "MatchRunStore",
    "MatchRuns",
    "MatchingUnitOfWork",
    "MemoryMatchingUnitOfWork",
    "MongoMatchingUnitOfWork",
    "PairingStore",
    "Pairings",
    "Projection",
    "ProjectionStore",
    "RunLock",
    "StaleWrite",
    "Waitlist",
]

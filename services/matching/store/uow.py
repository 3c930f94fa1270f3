"""Matching's unit of work on a Mongo-wire database, and its in-memory twin for use-case unit tests."""

from __future__ import annotations

from pymongo.database import Database

from services.matching.store.memory import (
    MemoryConflicts,
    MemoryMatchRuns,
    MemoryPairings,
    MemoryProjection,
    MemoryRunLock,
    MemoryWaitlist,
)
from services.matching.store.mongo_pairings import MongoConflicts, MongoPairings, MongoWaitlist
from services.matching.store.mongo_projection import MongoProjection
from services.matching.store.mongo_runs import MongoMatchRuns, MongoRunLock
from services.matching.store.ports import MatchingUnitOfWork
from shared.events.envelope import Event
from shared.mongo import now as stored_now
from shared.uow import Clock


class MongoMatchingUnitOfWork(MatchingUnitOfWork):
    def __init__(self, db: Database, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.db = db
        self.projection = MongoProjection(db)
        self.runs = MongoMatchRuns(db)
        self.run_lock = MongoRunLock(db)
        self.pairings = MongoPairings(db, self.projection.pool)
        self.waitlist = MongoWaitlist(db)
        self.conflicts = MongoConflicts(db)

    def pending(self) -> list[Event]:
        """Events written and not yet relayed: runs' first, then pairings' (tests and diagnostics)."""
        return [*self.runs.store.pending(), *self.pairings.store.pending()]


class MemoryMatchingUnitOfWork(MatchingUnitOfWork):
    def __init__(self, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.projection = MemoryProjection()
        self.runs = MemoryMatchRuns()
        self.run_lock = MemoryRunLock()
        self.pairings = MemoryPairings()
        self.waitlist = MemoryWaitlist()
        self.conflicts = MemoryConflicts()

    def pending(self) -> list[Event]:
        """Every event the use cases wrote (nothing relays them): runs' first, then pairings'."""
        return [*self.runs.store.pending(), *self.pairings.store.pending()]

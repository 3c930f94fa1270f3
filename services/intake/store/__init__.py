"""Intake's database: programs, participants and the org chart, each document carrying its own pending
events, behind the ports of ``services.intake.service.ports``; ``memory`` holds the in-memory twins."""

from services.intake.store.memory import MemoryIntakeUnitOfWork
from services.intake.store.mongo import (
    IMPORTS,
    INDEXES,
    ORGCHART,
    ORGCHART_BUCKETS,
    OUTBOX_COLLECTIONS,
    PARTICIPANTS,
    PROGRAMS,
    SOURCE,
    MongoIntakeUnitOfWork,
    MongoOrgChart,
    bucket_of,
    enrolment_key,
)

__all__ = [
    "IMPORTS",
    "INDEXES",
    "ORGCHART",
    "ORGCHART_BUCKETS",
    "OUTBOX_COLLECTIONS",
    "PARTICIPANTS",
    "PROGRAMS",
    "SOURCE",
    "MemoryIntakeUnitOfWork",
    "MongoIntakeUnitOfWork",
    "MongoOrgChart",
    "bucket_of",
    "enrolment_key",
]

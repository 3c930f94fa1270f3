"""Intake's database: programs, participants and the org chart, each document carrying its own pending
events, behind the ports of ``services.intake.service.ports``; ``memory`` holds the in-memory twins."""

from services.intake.store.keys import DATA_KEYS, MemoryDataKeys, MongoDataKeys
from services.intake.store.memory import MemoryIntakeUnitOfWork
from services.intake.store.mongo import INDEXES, MongoIntakeUnitOfWork, enrolment_key
from services.intake.store.names import IMPORTS, ORGCHART, OUTBOX_COLLECTIONS, PARTICIPANTS, PROGRAMS, SOURCE
from services.intake.store.orgchart import ORGCHART_BUCKETS, MongoOrgChart, bucket_of

__all__ = [
    "DATA_KEYS",
    "IMPORTS",
    "INDEXES",
    "ORGCHART",
    "ORGCHART_BUCKETS",
    "OUTBOX_COLLECTIONS",
    "PARTICIPANTS",
    "PROGRAMS",
    "SOURCE",
    "MemoryDataKeys",
    "MemoryIntakeUnitOfWork",
    "MongoDataKeys",
    "MongoIntakeUnitOfWork",
    "MongoOrgChart",
    "bucket_of",
    "enrolment_key",
]

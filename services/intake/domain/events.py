"""What intake's use cases report: the published events (the shared classes of ``shared.contracts.types``)
and intake's own results, which the bus returns to the caller but nobody outside intake sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.contracts.types import (
    ContactErased,
    ContactUpserted,
    OrgChartEmployeeUpserted,
    ParticipantErased,
    ParticipantRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
    ProgramCreated,
    ProgramStatusChanged,
    ProgramUpdated,
)
from shared.messages import DomainEvent, PublishedEvent

__all__ = [
    "ContactErased",
    "ContactUpserted",
    "DomainEvent",
    "ImportCompleted",
    "OrgChartEmployeeUpserted",
    "OrgChartUploaded",
    "ParticipantErased",
    "ParticipantRecorded",
    "ParticipantRegistered",
    "ParticipantUpdated",
    "ParticipantWithdrawn",
    "ProgramCreated",
    "ProgramPurged",
    "ProgramRecorded",
    "ProgramStatusChanged",
    "ProgramUpdated",
    "PublishedEvent",
    "ReportingLineSet",
]


@dataclass(frozen=True)
class ProgramRecorded(DomainEvent):
    """The program as a command left it (changed or not): what the API answers with."""

    program_id: str
    record: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class ParticipantRecorded(DomainEvent):
    """The participant as a command left it (changed or not): what the API answers with."""

    participant_id: str
    record: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class ProgramPurged(DomainEvent):
    """A closed program's participants were erased (by an admin, or by retention)."""

    program_id: str
    erased: int
    purged_at: datetime | None


@dataclass(frozen=True)
class ImportCompleted(DomainEvent):
    """A people CSV was imported; ``report`` lists accepted, updated, unchanged and rejected rows."""

    program_id: str
    report: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class OrgChartUploaded(DomainEvent):
    """HR replaced the whole org chart; ``report`` counts the lines and lists cycles and unknowns."""

    report: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class ReportingLineSet(DomainEvent):
    """A registration's reporting line was laid over the org chart (``written`` is False when it was
    already known, or superseded by a later line or upload)."""

    employee_id: str
    manager_id: str
    written: bool

"""Domain events intake publishes, named in the past tense; ``data`` is the JSON-ready payload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

PROGRAMS_TOPIC = "mentoring.programs.v1"
PARTICIPANTS_TOPIC = "mentoring.participants.v1"
ORGCHART_TOPIC = "mentoring.orgchart.v1"


@dataclass(frozen=True, eq=True)
class DomainEvent:
    """One fact to publish: ``type`` is the CloudEvents type, ``key`` the aggregate id (Kafka key)."""

    type: ClassVar[str]
    topic: ClassVar[str]
    key: str
    data: dict[str, Any]

    @property
    def subject(self) -> str:
        return self.key

    __hash__ = None  # type: ignore[assignment]  # ``data`` is a dict: events compare, they don't hash


@dataclass(frozen=True, eq=True)
class ProgramCreated(DomainEvent):
    type: ClassVar[str] = "mentoring.program.created.v1"
    topic: ClassVar[str] = PROGRAMS_TOPIC


@dataclass(frozen=True, eq=True)
class ProgramUpdated(DomainEvent):
    type: ClassVar[str] = "mentoring.program.updated.v1"
    topic: ClassVar[str] = PROGRAMS_TOPIC


@dataclass(frozen=True, eq=True)
class ProgramStatusChanged(DomainEvent):
    type: ClassVar[str] = "mentoring.program.status_changed.v1"
    topic: ClassVar[str] = PROGRAMS_TOPIC


@dataclass(frozen=True, eq=True)
class ParticipantRegistered(DomainEvent):
    type: ClassVar[str] = "mentoring.participant.registered.v1"
    topic: ClassVar[str] = PARTICIPANTS_TOPIC


@dataclass(frozen=True, eq=True)
class ParticipantUpdated(DomainEvent):
    type: ClassVar[str] = "mentoring.participant.updated.v1"
    topic: ClassVar[str] = PARTICIPANTS_TOPIC


@dataclass(frozen=True, eq=True)
class ParticipantWithdrawn(DomainEvent):
    type: ClassVar[str] = "mentoring.participant.withdrawn.v1"
    topic: ClassVar[str] = PARTICIPANTS_TOPIC


@dataclass(frozen=True, eq=True)
class ParticipantErased(DomainEvent):
    type: ClassVar[str] = "mentoring.participant.erased.v1"
    topic: ClassVar[str] = PARTICIPANTS_TOPIC


@dataclass(frozen=True, eq=True)
class OrgChartEmployeeUpserted(DomainEvent):
    type: ClassVar[str] = "mentoring.orgchart.employee_upserted.v1"
    topic: ClassVar[str] = ORGCHART_TOPIC


EVENT_CLASSES: dict[str, type[DomainEvent]] = {
    cls.type: cls
    for cls in (
        ProgramCreated,
        ProgramUpdated,
        ProgramStatusChanged,
        ParticipantRegistered,
        ParticipantUpdated,
        ParticipantWithdrawn,
        ParticipantErased,
        OrgChartEmployeeUpserted,
    )
}

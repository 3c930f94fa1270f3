"""What intake is asked to do: one command per use case, named in the imperative. ``by`` is the caller
(none for the worker's own housekeeping); ids of new aggregates are minted with the command, so a
repeated command names the same aggregate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.intake.domain import RetentionPolicy
from shared.auth import Principal
from shared.messages import Command


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class CreateProgram(Command):
    values: dict[str, Any]
    by: Principal
    program_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class UpdateProgram(Command):
    program_id: str
    changes: dict[str, Any]
    by: Principal


@dataclass(frozen=True)
class TransitionProgram(Command):
    program_id: str
    status: str
    by: Principal


@dataclass(frozen=True)
class PurgeProgram(Command):
    """An admin erases a closed program's participants now, before the retention period runs out."""

    program_id: str
    by: Principal


@dataclass(frozen=True)
class PurgeDueRetention(Command):
    """The worker's periodic run: purge every closed program past the retention period."""

    retention: RetentionPolicy
    now: datetime | None = None


@dataclass(frozen=True)
class RegisterParticipant(Command):
    values: dict[str, Any]
    by: Principal
    participant_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class UpdateParticipant(Command):
    participant_id: str
    changes: dict[str, Any]
    by: Principal


@dataclass(frozen=True)
class WithdrawParticipant(Command):
    participant_id: str
    reason: str | None
    by: Principal


@dataclass(frozen=True)
class ReenrolParticipant(Command):
    participant_id: str
    by: Principal


@dataclass(frozen=True)
class ChangeConsent(Command):
    """``data_processing: false`` erases the participant; ``matching: false`` withdraws them."""

    participant_id: str
    consent: dict[str, bool]
    by: Principal


@dataclass(frozen=True)
class EraseParticipant(Command):
    """GDPR erasure: only ids remain; pending events with personal data are dropped with it."""

    participant_id: str
    by: Principal


@dataclass(frozen=True)
class ImportParticipants(Command):
    program_id: str
    data: bytes
    by: Principal
    import_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class UploadOrgChart(Command):
    """HR replaces the whole organisation's reporting lines."""

    managers: dict[str, str | None]


@dataclass(frozen=True)
class SetReportingLine(Command):
    """A registration or profile change named the employee's manager, as of the event's time."""

    employee_id: str
    manager_id: str
    as_of: datetime


@dataclass(frozen=True)
class SetReportingLines(Command):
    """The reporting lines of a run of registration events, in the order given: the same outcome as one
    ``SetReportingLine`` after another, in a write per org-chart bucket instead of one per line."""

    lines: tuple[SetReportingLine, ...]

"""What an import plan holds: the report HR reads (accepted, updated, unchanged, rejected rows) and the
participant changes, with their events, for the service to persist."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.intake.domain.errors import InvalidInput
from services.intake.domain.events import DomainEvent
from services.intake.domain.participants import Participant


class ImportFileError(InvalidInput):
    """The file as a whole cannot be imported (encoding, header, size); no row is looked at."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": [message]})
        self.detail = message
        self.args = (message,)


@dataclass(frozen=True)
class RowRejection:
    row: int
    field: str
    reason: str
    employee_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "employee_id": self.employee_id, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class ParticipantChange:
    """One participant to persist: ``registered`` (new) or ``updated``, with the events it implies."""

    kind: str
    row: int
    participant: Participant
    events: list[DomainEvent]


@dataclass
class ImportReport:
    total_rows: int = 0
    accepted: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RowRejection] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({rejection.row for rejection in self.rejected})

    def reject_lost(self, participant_ids: set[str]) -> None:
        """Rows whose write lost a race with another writer become rejected, never half-applied."""
        for name in ("accepted", "updated"):
            kept = []
            for entry in getattr(self, name):
                if entry["participant_id"] in participant_ids:
                    self.rejected.append(
                        RowRejection(
                            entry["row"],
                            "employee_id",
                            "enrolled or changed by someone else during this import; import the file again",
                            entry["employee_id"],
                        )
                    )
                else:
                    kept.append(entry)
            setattr(self, name, kept)
        self.rejected.sort(key=lambda rejection: rejection.row)

    def to_dict(self) -> dict[str, Any]:
        """The response body (``ImportReportSchema``)."""
        return {
            "total_rows": self.total_rows,
            "accepted": list(self.accepted),
            "updated": list(self.updated),
            "unchanged": self.unchanged,
            "rejected": [rejection.to_dict() for rejection in self.rejected],
        }


@dataclass
class ImportResult:
    report: ImportReport
    changes: list[ParticipantChange]
    # {employee_id: manager_id} from every valid row when the file has a manager_id column (org-chart input).
    managers: dict[str, str | None]

    @property
    def events(self) -> list[DomainEvent]:
        return [event for change in self.changes for event in change.events]

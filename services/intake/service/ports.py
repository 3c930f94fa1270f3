"""The stores intake's use cases see (ports) and the unit of work that holds them; ``services.intake.store``
implements them on Mongo and in memory, and one contract test per port runs against both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from shared.sealing import KeyStore
from shared.uow import Clock, UnitOfWork
from shared.versioned import Publishable, Versioned, VersionedStore

# How long a process may enrol against a program it read recently instead of reading it again. Changes made
# through this process are seen at once (a save forgets the copy); one made through another replica within
# this time is not. Every enrolment needs its program's status and rules: reading it each time was a third
# of an enrolment's database work.
PROGRAM_READ_REUSE_S = 1.0


ReportingLine = tuple[str, str, list[Publishable], datetime]  # employee, manager, its events, as of


class ProgramRepository(VersionedStore, Protocol):
    """Programs as versioned aggregates (state + pending events in one document)."""

    def load_recent(self, program_id: str) -> Versioned | None:
        """The program, possibly as read up to ``PROGRAM_READ_REUSE_S`` ago by this process."""

    def find(self, status: str | None, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """A page of program records by id, and how many match."""

    def with_status(self, status: str) -> list[Versioned]:
        """Every program in ``status`` (retention reads the closed ones)."""


class ParticipantRepository(VersionedStore, Protocol):
    """Participants as versioned aggregates; one enrolment per employee and program (an insert of a second
    is refused like a duplicate key)."""

    def in_program(self, program_id: str) -> list[Versioned]:
        """Every participant of a program, in one read (imports and purges)."""

    def find(self, filters: Mapping[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """A page of participant records by id matching every filter, and how many match."""


class OrgChartRepository(Protocol):
    """``{employee_id: manager_id}``, each line written with its events; the latest line wins."""

    def load(self, employees: Iterable[str] | None = None) -> dict[str, str | None]:
        """The chart, or (at least) the lines of the given employees."""

    def set_line(self, employee: str, manager: str, events: list[Publishable], as_of: datetime) -> bool:
        """Set one line as of a time unless it is the same or a newer one is known; False when nothing
        was written."""

    def set_lines(self, lines: Sequence[ReportingLine]) -> list[bool]:
        """``set_line`` for each ``(employee, manager, events, as_of)`` in order, with the same outcome, in
        fewer writes; which lines were written."""

    def write(
        self,
        upserted: Mapping[str, str | None],
        removed: Iterable[str],
        events: list[Publishable],
        as_of: datetime,
    ) -> None:
        """Set ``upserted`` lines, drop ``removed`` ones and keep each employee's events with their line."""

    def mark_whole_upload(self, at: datetime) -> None:
        """HR replaced the whole chart at ``at``: lines given before that are superseded."""

    def last_whole_upload(self) -> datetime | None: ...


class ImportLog(Protocol):
    """An audit record per people import (who, when, which file, counts)."""

    def add(self, record: dict[str, Any]) -> None: ...


class IntakeUnitOfWork(UnitOfWork):
    """Intake's stores and clock; the Mongo and in-memory implementations set the five repositories."""

    programs: ProgramRepository
    participants: ParticipantRepository
    orgchart: OrgChartRepository
    imports: ImportLog
    data_keys: KeyStore  # participants' data keys: erasure destroys one (crypto-shredding)

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(**({"clock": clock} if clock else {}))

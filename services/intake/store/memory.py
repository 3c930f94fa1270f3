"""In-memory twins of intake's stores, for use-case unit tests: the same semantics as the Mongo ones
(versions, one enrolment per employee and program, validated outbox, latest reporting line wins)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from services.intake.service.ports import IntakeUnitOfWork, ReportingLine
from services.intake.store.keys import MemoryDataKeys
from shared.events.envelope import Event
from shared.events.outbox import outbox_entries
from shared.uow import Clock
from shared.versioned import MemoryVersionedStore, Publishable, Versioned, envelopes

SOURCE = "/services/intake"


def _page(records: list[tuple[str, dict[str, Any]]], skip: int, limit: int) -> tuple[list[dict], int]:
    ordered = [record for _, record in sorted(records, key=lambda item: item[0])]
    return ordered[skip : skip + limit], len(ordered)


class MemoryPrograms(MemoryVersionedStore):
    def __init__(self) -> None:
        super().__init__(SOURCE)

    def load_recent(self, program_id: str) -> Versioned | None:
        return self.load(program_id)

    def find(self, status: str | None, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        keys = [key for key, record in self._items() if not status or record.get("status") == status]
        return _page([(key, self.load(key).record) for key in keys], skip, limit)

    def with_status(self, status: str) -> list[Versioned]:
        return [self.load(key) for key, record in self._items() if record.get("status") == status]

    def _items(self) -> list[tuple[str, dict[str, Any]]]:
        return list(self.documents.items())


class MemoryParticipants(MemoryVersionedStore):
    """Refuses a second enrolment of one employee in one program, as the Mongo store's unique index does."""

    def __init__(self) -> None:
        super().__init__(SOURCE)

    def insert(self, key: str, record: dict[str, Any], events: Iterable[Publishable] = ()) -> bool:
        if self._enrolled_elsewhere(key, record):
            return False
        return super().insert(key, record, events)

    def _enrolled_elsewhere(self, key: str, record: Mapping[str, Any]) -> bool:
        employee = record.get("employee_id")
        return employee is not None and any(
            other != key
            and document.get("employee_id") == employee
            and document.get("program_id") == record.get("program_id")
            for other, document in self.documents.items()
        )

    def in_program(self, program_id: str) -> list[Versioned]:
        return [self.load(key) for key, doc in self.documents.items() if doc.get("program_id") == program_id]

    def find(self, filters: Mapping[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        matching = [
            (key, self.load(key).record)
            for key, document in self.documents.items()
            if all(document.get(name) == value for name, value in filters.items())
        ]
        return _page(matching, skip, limit)


class MemoryOrgChart:
    def __init__(self) -> None:
        self.lines: dict[str, str | None] = {}
        self.since: dict[str, datetime] = {}
        self.outbox: list[Event] = []
        self.whole_upload: datetime | None = None

    def load(self, employees: Iterable[str] | None = None) -> dict[str, str | None]:
        if employees is None:
            return dict(self.lines)
        return {e: self.lines[e] for e in employees if e in self.lines}

    def set_line(self, employee: str, manager: str, events: list[Publishable], as_of: datetime) -> bool:
        known = self.since.get(employee)
        if self.lines.get(employee, object()) == manager or (known is not None and known > as_of):
            return False
        self._append(events)
        self.lines[employee], self.since[employee] = manager, as_of
        return True

    def set_lines(self, lines: Sequence[ReportingLine]) -> list[bool]:
        return [self.set_line(*line) for line in lines]

    def write(
        self,
        upserted: Mapping[str, str | None],
        removed: Iterable[str],
        events: list[Publishable],
        as_of: datetime,
    ) -> None:
        self._append(events)
        for employee, manager in upserted.items():
            self.lines[employee], self.since[employee] = manager, as_of
        for employee in removed:
            self.lines.pop(employee, None)
            self.since.pop(employee, None)

    def mark_whole_upload(self, at: datetime) -> None:
        self.whole_upload = max(at, self.whole_upload) if self.whole_upload else at

    def last_whole_upload(self) -> datetime | None:
        return self.whole_upload

    def pending(self) -> list[Event]:
        return list(self.outbox)

    def _append(self, events: list[Publishable]) -> None:
        batch = envelopes(events, SOURCE)
        outbox_entries(batch)  # validates against the contract, as the Mongo store does
        self.outbox.extend(batch)


class MemoryImportLog:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def add(self, record: dict[str, Any]) -> None:
        self.records.append(dict(record))


class MemoryIntakeUnitOfWork(IntakeUnitOfWork):
    """Intake's stores in memory, for unit tests of the use cases."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.programs = MemoryPrograms()
        self.participants = MemoryParticipants()
        self.orgchart = MemoryOrgChart()
        self.imports = MemoryImportLog()
        self.data_keys = MemoryDataKeys()

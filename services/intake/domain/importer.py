"""Bulk HR import of participants from CSV: parse, validate every row, idempotent upsert plan and report.

Pure: it takes the file's text, the program and the program's current participants (by employee id) and
returns a report plus the participant changes (with their events) to persist; it changes nothing itself.

The file is UTF-8 CSV, comma-separated, with a header row. Header names are case-insensitive; spaces and
dashes count as underscores (``Employee ID`` = ``employee_id``). Columns:

=========================  ========  =================================================================
column                     required  value
=========================  ========  =================================================================
employee_id                yes       e.g. ``E000123``; unique within the file
role                       yes       ``leader`` (mentee) or ``junior`` (mentor)
level                      yes       whole number 1 (graduate) … 12 (CEO)
timezone                   yes       IANA name, e.g. ``Europe/Lisbon``
languages                  yes       BCP 47 tags separated by ``;``, e.g. ``en;pt-BR``
department, location       no        free text (≤ 120 characters)
topics_to_learn            no        focus areas separated by ``;`` (leaders need at least one)
topics_to_teach            no        focus areas separated by ``;`` (juniors need at least one)
growth_goals, strengths    no        growth-goal terms separated by ``;`` (e.g. ``strategy;leadership``)
availability               no        ``Mon 09:00-11:00;Wed 14:00-16:00`` (local to ``timezone``)
capacity                   no        juniors only, 1-5; blank = the program's default
manager_id                 no        employee id of the manager (feeds the org chart)
consent_matching           no        ``yes``/``no`` (also true/false, 1/0); blank or absent = yes
consent_data_processing    no        as above; ``no`` rejects the row (consent is withdrawn per person)
=========================  ========  =================================================================

Rows are numbered as records with the header as row 1 (the line number when no cell spans lines).
Every row is validated with the same rules as ``POST /v1/participants``; a row with any error is rejected
whole (all its errors reported as ``{row, field, reason}``) and nothing of it is applied. An employee id
that appears on several rows rejects every one of those rows. For people already in the program, only the
columns present in the file are compared; an identical row is ``unchanged`` and emits no event, so
re-importing a file changes nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import Conflict, InvalidInput, InvalidValue
from .events import DomainEvent
from .participants import IDENTITY_FIELDS, PROFILE_FIELDS, Participant
from .programs import Program

LIST_SEPARATOR = ";"
MAX_ROWS = 50_000
COLUMNS = (*IDENTITY_FIELDS, *PROFILE_FIELDS, "consent_matching", "consent_data_processing")
REQUIRED_COLUMNS = ("employee_id", "role", "level", "timezone", "languages")
LIST_COLUMNS = frozenset(("languages", "topics_to_learn", "topics_to_teach", "growth_goals", "strengths"))
CONSENT_COLUMNS = ("consent_matching", "consent_data_processing")

_DAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_WINDOW = re.compile(r"^\s*([A-Za-z]+)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_YES = frozenset(("yes", "y", "true", "1"))
_NO = frozenset(("no", "n", "false", "0"))


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


def decode_upload(data: bytes) -> str:
    """Bytes of an uploaded file → text; a UTF-8 byte-order mark (Excel) is dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"the file must be UTF-8 encoded CSV (byte {error.start} is not UTF-8)"
        ) from None


def import_participants(
    text: str,
    program: Program,
    existing: Mapping[str, Participant],
    *,
    now: datetime,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Plan the import of ``text`` into ``program``; ``existing`` maps employee id → current participant.

    ``existing`` is never modified: updated participants in ``changes`` are copies.
    """
    if not program.accepts_participants:
        raise Conflict(f"program {program.program_id} is closed and takes no participants")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    columns = _header(rows[0] if rows else [])
    records = rows[1:]
    if len(records) > max_rows:
        raise ImportFileError(f"the file has {len(records)} rows; at most {max_rows} per import")
    index = {name: position for position, name in enumerate(columns)}
    id_position = index["employee_id"]

    rows_by_id: dict[str, list[int]] = {}
    for number, cells in enumerate(records, start=2):
        if len(cells) > id_position and cells[id_position].strip():
            rows_by_id.setdefault(cells[id_position].strip(), []).append(number)
    duplicates = {employee: numbers for employee, numbers in rows_by_id.items() if len(numbers) > 1}

    report = ImportReport()
    changes: list[ParticipantChange] = []
    managers: dict[str, str | None] = {}
    profile_columns = [name for name in PROFILE_FIELDS if name in index]
    for number, cells in enumerate(records, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        report.total_rows += 1
        employee_id = cells[id_position].strip() if len(cells) > id_position else None
        if len(cells) != len(columns):
            report.rejected.append(
                RowRejection(
                    number,
                    "row",
                    f"row has {len(cells)} values but the header has {len(columns)} columns",
                    employee_id or None,
                )
            )
            continue
        errors: dict[str, list[str]] = {}
        if employee_id in duplicates:
            others = ", ".join(str(n) for n in duplicates[employee_id] if n != number)
            errors["employee_id"] = [
                f"employee_id {employee_id} appears more than once (also on rows {others})"
            ]
        values = _row_values(cells, index, errors)
        try:
            change = _plan_row(number, values, profile_columns, program, existing, now=now, new_id=new_id)
        except InvalidInput as error:
            for name, messages in error.errors.items():
                errors.setdefault(name, messages)  # a cell-format error already explains that field
            change = None
        if errors:
            report.rejected.extend(
                RowRejection(number, name, message, employee_id or None)
                for name, messages in errors.items()
                for message in messages
            )
            continue
        if "manager_id" in index:
            managers[values["employee_id"]] = values["manager_id"]
        if change is None:
            report.unchanged += 1
            continue
        entry = {
            "row": number,
            "employee_id": values["employee_id"],
            "participant_id": change.participant.participant_id,
        }
        (report.accepted if change.kind == "registered" else report.updated).append(entry)
        changes.append(change)
    return ImportResult(report=report, changes=changes, managers=managers)


def _header(cells: list[str]) -> list[str]:
    if not cells:
        raise ImportFileError("the file is empty; it needs a header row naming the columns")
    columns = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in cells]
    problems: list[str] = []
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        problems.append(f"unknown columns {', '.join(map(repr, unknown))} (known: {', '.join(COLUMNS)})")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        problems.append(f"repeated columns {', '.join(map(repr, repeated))}")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(f"missing required columns {', '.join(missing)}")
    if problems:
        raise ImportFileError("; ".join(problems))
    return columns


def _row_values(cells: list[str], index: Mapping[str, int], errors: dict[str, list[str]]) -> dict[str, Any]:
    """Cells → the values registration expects; cell-level format errors go into ``errors``."""
    values: dict[str, Any] = {}
    for name, position in index.items():
        cell = cells[position].strip()
        try:
            if name in LIST_COLUMNS:
                values[name] = [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]
            elif name == "availability":
                values[name] = _availability(cell)
            elif name in ("level", "capacity"):
                values[name] = _integer(cell, name)
            elif name in CONSENT_COLUMNS:
                values[name] = _yes_no(cell, name)
            else:
                values[name] = cell or None
        except InvalidValue as error:
            errors[name] = [str(error)]
    for name in CONSENT_COLUMNS:
        if values.get(name) is False:
            errors[name] = [
                "enrolment needs this consent; participants withdraw consent themselves (consent endpoint)"
            ]
    return values


def _plan_row(
    number: int,
    values: Mapping[str, Any],
    profile_columns: list[str],
    program: Program,
    existing: Mapping[str, Participant],
    *,
    now: datetime,
    new_id: Callable[[], str],
) -> ParticipantChange | None:
    """The change one valid row implies (None when it changes nothing); raises InvalidInput otherwise."""
    current = existing.get(values.get("employee_id") or "")
    if current is None or current.is_erased:
        registration = {name: values[name] for name in values if name not in CONSENT_COLUMNS}
        registration["consent"] = {"matching": True, "data_processing": True}
        participant, events = Participant.register(program, new_id(), registration, now=now)
        return ParticipantChange("registered", number, participant, events)
    if values.get("role") != current.role:
        reason = f"{current.employee_id} is enrolled as {current.role}; to change role, withdraw and re-enrol"
        raise InvalidInput({"role": [reason]})
    candidate = dataclasses.replace(current)  # shallow copy: update() assigns new values, never mutates them
    events = candidate.update({name: values.get(name) for name in profile_columns}, program, now=now)
    return ParticipantChange("updated", number, candidate, events) if events else None


def _availability(cell: str) -> list[dict[str, Any]]:
    windows: list[dict[str, Any]] = []
    for item in cell.split(LIST_SEPARATOR):
        if not item.strip():
            continue
        match = _WINDOW.match(item)
        day = _DAYS.get(match.group(1).lower()) if match else None
        if match is None or day is None:
            raise InvalidValue(f"{item.strip()!r} must look like 'Mon 09:00-11:00' (days Mon…Sun)")
        start, end = (value.zfill(5) for value in match.group(2, 3))
        windows.append({"day": day, "start": start, "end": end})
    return windows


def _integer(cell: str, name: str) -> int | None:
    if not cell:
        return None
    if not _INTEGER.match(cell):
        raise InvalidValue(f"{name} must be a whole number, got {cell!r}")
    return int(cell)


def _yes_no(cell: str, name: str) -> bool:
    lowered = cell.lower()
    if not lowered or lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise InvalidValue(f"{name} must be yes or no, got {cell!r}")

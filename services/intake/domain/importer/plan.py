"""The import plan: every row validated with the rules of ``POST /v1/participants``, then upserted by
employee id against the program's current participants; pure, it changes nothing itself."""

from __future__ import annotations

import csv
import dataclasses
import io
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from services.intake.domain.errors import Conflict, InvalidInput
from services.intake.domain.importer.cells import (
    CONSENT_COLUMNS,
    MAX_ROWS,
    header,
    row_values,
)
from services.intake.domain.importer.report import (
    ImportFileError,
    ImportReport,
    ImportResult,
    ParticipantChange,
    RowRejection,
)
from services.intake.domain.participants import CONTACT_FIELDS, PROFILE_FIELDS, Participant
from services.intake.domain.programs import Program


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
    columns = header(rows[0] if rows else [])
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
    profile_columns = [name for name in (*PROFILE_FIELDS, *CONTACT_FIELDS) if name in index]
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
        values = row_values(cells, index, errors)
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

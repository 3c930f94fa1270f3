"""The file's shape: decoding, the header (columns by name) and each row's cells as the values registration
expects, with a reason for every cell that is not."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from services.intake.domain.errors import InvalidValue
from services.intake.domain.importer.report import ImportFileError
from services.intake.domain.participants import CONTACT_FIELDS, IDENTITY_FIELDS, PROFILE_FIELDS

LIST_SEPARATOR = ";"
MAX_ROWS = 50_000
# Contact details (optional) come last: the matching profile and consent first, then how to reach the person.
COLUMNS = (*IDENTITY_FIELDS, *PROFILE_FIELDS, "consent_matching", "consent_data_processing", *CONTACT_FIELDS)
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


def decode_upload(data: bytes) -> str:
    """Bytes of an uploaded file → text; a UTF-8 byte-order mark (Excel) is dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"the file must be UTF-8 encoded CSV (byte {error.start} is not UTF-8)"
        ) from None


def header(cells: list[str]) -> list[str]:
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


def row_values(cells: list[str], index: Mapping[str, int], errors: dict[str, list[str]]) -> dict[str, Any]:
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

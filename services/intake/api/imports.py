"""HR's people import: the CSV upload, its downloadable template, and the file format described from the
importer's own column definitions (so a column added to the importer appears in the template, in the
OpenAPI description and, after ``make docs``, in the guide)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Response

from services.intake import schemas
from services.intake.api.common import BULK_BODY_LIMIT, blp, body_limit, handle, problems, result, uow
from services.intake.domain import ImportCompleted
from services.intake.domain.importer import COLUMNS, MAX_ROWS, REQUIRED_COLUMNS
from services.intake.domain.importer.cells import CONSENT_COLUMNS, LIST_COLUMNS, LIST_SEPARATOR
from services.intake.service import commands, queries
from shared.auth import current_principal, require_roles

INTEGER_COLUMNS = ("level", "capacity")
# What a person filling the file needs to know of each column, and the template's two example rows
# (leader, junior). A column the importer gains without an entry here is still listed, described by the
# enrolment field of the same name.
COLUMN_NOTES: dict[str, tuple[str, str, str]] = {
    "employee_id": ("unique within the file, e.g. `E000123`", "E000901", "E000902"),
    "role": ("`leader` (the senior mentee) or `junior` (the mentor)", "leader", "junior"),
    "level": ("1 (graduate) … 12 (CEO)", "9", "2"),
    "department": ("free text, at most 120 characters", "Marketing", "Technology"),
    "location": ("free text, at most 120 characters", "Lisbon", "London"),
    "timezone": ("IANA name, e.g. `Europe/Lisbon`", "Europe/Lisbon", "Europe/London"),
    "languages": ("BCP 47 tags, e.g. `en;pt-BR`", "en;pt-PT", "en"),
    "topics_to_learn": ("focus areas of the program; leaders need at least one", "{learn}", ""),
    "topics_to_teach": ("focus areas of the program; juniors need at least one", "", "{teach}"),
    "growth_goals": ("growth-goal terms, e.g. `strategy;leadership` (juniors)", "", "strategy;leadership"),
    "strengths": ("growth-goal terms the leader can share (leaders)", "strategy", ""),
    "availability": (
        "weekly windows local to `timezone`, e.g. `Mon 09:00-11:00;Wed 14:00-16:00`",
        "Tue 09:00-11:00;Thu 14:00-16:00",
        "Tue 09:00-12:00",
    ),
    "capacity": ("juniors only, 1-5 leaders at once; blank = the program's default", "", "1"),
    "manager_id": ("employee id of the person's manager (feeds the org chart)", "E000042", "E000077"),
    "consent_matching": ("`yes`/`no` (also true/false, 1/0); blank = yes", "yes", "yes"),
    "consent_data_processing": (
        "as above; `no` rejects the row (consent is withdrawn per person)",
        "yes",
        "yes",
    ),
}


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    kind: str
    meaning: str


def csv_columns() -> list[Column]:
    """Every column the importer reads, in its order, with what a cell must hold."""
    return [Column(name, name in REQUIRED_COLUMNS, _kind(name), _meaning(name)) for name in COLUMNS]


def _kind(name: str) -> str:
    if name in LIST_COLUMNS:
        return f"list, `{LIST_SEPARATOR}`-separated"
    if name == "availability":
        return f"windows, `{LIST_SEPARATOR}`-separated"
    if name in INTEGER_COLUMNS:
        return "whole number"
    if name in CONSENT_COLUMNS:
        return "yes/no"
    return "text"


def _meaning(name: str) -> str:
    if name in COLUMN_NOTES:
        return COLUMN_NOTES[name][0]
    field = schemas.ParticipantCreateSchema().fields.get(name)
    described = field.metadata.get("description") if field is not None else None
    return described or f"as `{name}` of `POST /v1/participants`"


def csv_format_markdown() -> str:
    """The file format as a Markdown table and its rules: the import operation's OpenAPI description and
    the guide's CSV page both show this text."""
    lines = [
        "| column | required | type | value |",
        "|---|---|---|---|",
        *(
            f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.kind} | {c.meaning} |"
            for c in csv_columns()
        ),
    ]
    return "\n".join(lines) + (
        f"\n\nUTF-8 CSV, comma-separated, one header row; header names are case-insensitive and spaces or "
        f"dashes count as underscores (`Employee ID` = `employee_id`). At most {MAX_ROWS:,} rows and "
        f"{BULK_BODY_LIMIT // 2**20} MiB per file (413 above). Every row is validated as "
        "`POST /v1/participants`; a row with any error is rejected whole and reported as "
        "`{row, field, reason}` (the header is row 1). Upserts by `employee_id`: re-importing the same "
        "file changes nothing. Download a template with both example rows: "
        "`GET /v1/programs/{program_id}/imports/template.csv`.\n"
    )


def template_csv(focus_areas: list[str]) -> str:
    """A header with every column and an example leader and junior, using the program's focus areas."""
    areas = focus_areas or ["digital-transformation"]
    fill = {"learn": areas[0], "teach": LIST_SEPARATOR.join(areas[:2])}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for example in (1, 2):
        writer.writerow(
            [COLUMN_NOTES[name][example].format(**fill) if name in COLUMN_NOTES else "" for name in COLUMNS]
        )
    return out.getvalue()


IMPORT_DESCRIPTION = (
    "Every row is validated; the report lists accepted, updated, unchanged and rejected rows (row number, "
    "field, reason). Upserts by employee id: re-importing the same file changes nothing and emits no "
    "events. A `manager_id` column feeds the org chart.\n\n" + csv_format_markdown()
)


@blp.post("/programs/<program_id>/imports")
@require_roles("hr", "admin")
@body_limit(BULK_BODY_LIMIT)
@blp.arguments(schemas.ImportUploadSchema, location="files")
@blp.response(200, schemas.ImportReportSchema)
@blp.doc(description=IMPORT_DESCRIPTION)
@problems(401, 403, 404, 409, 413, 422)
def import_participants(files: dict, program_id: str) -> dict:
    """Import participants from a CSV file (hr or the program's admins)"""
    command = commands.ImportParticipants(program_id, files["file"].read(), current_principal())
    return result(handle(command), ImportCompleted).report


@blp.get("/programs/<program_id>/imports/template.csv")
@require_roles("hr", "admin")
@blp.doc(
    responses={
        "200": {
            "description": "A CSV file: the header with every column and two example rows",
            "content": {"text/csv": {"schema": {"type": "string"}, "example": template_csv([])}},
        }
    }
)
@problems(401, 403, 404)
def import_template(program_id: str) -> Response:
    """Download a CSV template for this program's import (hr or admins)

    The header names every column the importer reads; the two example rows (a leader and a junior) use
    the program's focus areas and import as they are.
    """
    program = queries.get_program(uow(), program_id)
    text = template_csv([*program["focus_areas"], *program["custom_focus_areas"]])
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="import-template-{program_id}.csv"'
    return response

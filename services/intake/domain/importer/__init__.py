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
display_name               no        how messages address the person (≤ 120 characters)
email                      no        work e-mail address, e.g. ``ana.silva@example.com``
locale                     no        preferred locale of messages, BCP 47, e.g. ``en``, ``fr``, ``de``
=========================  ========  =================================================================

Rows are numbered as records with the header as row 1 (the line number when no cell spans lines).
Every row is validated with the same rules as ``POST /v1/participants``; a row with any error is rejected
whole (all its errors reported as ``{row, field, reason}``) and nothing of it is applied. An employee id
that appears on several rows rejects every one of those rows. For people already in the program, only the
columns present in the file are compared; an identical row is ``unchanged`` and emits no event, so
re-importing a file changes nothing. Contact details never travel on the participants topic: a row that
sets or changes them publishes ``contact.upserted`` on the compacted contacts topic instead.
"""

from services.intake.domain.importer.cells import COLUMNS, MAX_ROWS, REQUIRED_COLUMNS, decode_upload
from services.intake.domain.importer.plan import import_participants
from services.intake.domain.importer.report import (
    ImportFileError,
    ImportReport,
    ImportResult,
    ParticipantChange,
    RowRejection,
)

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "ImportFileError",
    "ImportReport",
    "ImportResult",
    "ParticipantChange",
    "RowRejection",
    "decode_upload",
    "import_participants",
]

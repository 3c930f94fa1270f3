"""CSV import: per-row validation and report, duplicates, idempotent upsert, never half a row, speed."""

from __future__ import annotations

import pytest

from services.intake.domain import Conflict, ParticipantRegistered, ParticipantUpdated
from services.intake.domain.importer import ImportFileError, decode_upload, import_participants
from services.intake.schemas import ImportReportSchema

HEADER = ",".join(
    (
        "employee_id,role,level,timezone,languages",
        "topics_to_learn,topics_to_teach,availability,capacity,manager_id",
    )
)
LEADER = "E000100,leader,10,Europe/Lisbon,en;pt,ai-tools,,Mon 09:00-11:00;Wed 14:00-16:00,,E000042"
JUNIOR = "E000200,junior,2,Europe/Berlin,en,,custom:retail-media;ai-tools,Tue 9:00-10:00,2,E000100"


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def ids():
    counter = iter(range(1, 1_000_000))
    return lambda: f"part-{next(counter)}"


def run(text, program, now, existing=None):
    return import_participants(text, program, existing or {}, now=now, new_id=ids())


def existing_from(result):
    return {change.participant.employee_id: change.participant for change in result.changes}


def test_valid_rows_are_accepted_with_a_registered_event_each(program, now):
    result = run(csv_of(LEADER, JUNIOR), program, now)
    report = result.report
    assert report.to_dict() == {
        "total_rows": 2,
        "accepted": [
            {"row": 2, "employee_id": "E000100", "participant_id": "part-1"},
            {"row": 3, "employee_id": "E000200", "participant_id": "part-2"},
        ],
        "updated": [],
        "unchanged": 0,
        "rejected": [],
    }
    assert [type(e) for e in result.events] == [ParticipantRegistered, ParticipantRegistered]
    junior = result.changes[1].participant
    assert junior.availability == [{"day": 1, "start": "09:00", "end": "10:00"}]
    assert junior.capacity == 2 and junior.topics_to_teach == ["custom:retail-media", "ai-tools"]
    assert result.managers == {"E000100": "E000042", "E000200": "E000100"}
    assert all(e.schema().validate(e.data) == {} for e in result.events)
    assert ImportReportSchema().validate(report.to_dict()) == {}


def test_reimporting_the_same_file_changes_nothing_and_emits_no_events(program, now):
    text = csv_of(LEADER, JUNIOR)
    first = run(text, program, now)
    second = run(text, program, now, existing_from(first))
    assert second.report.unchanged == 2
    assert second.changes == [] and second.events == []
    assert second.report.accepted == [] and second.report.updated == []


def test_changed_row_becomes_an_update_and_leaves_the_callers_participant_alone(program, now):
    existing = existing_from(run(csv_of(LEADER, JUNIOR), program, now))
    original = existing["E000100"]
    result = run(csv_of(LEADER.replace(",10,", ",11,"), JUNIOR), program, now, existing)
    assert result.report.updated == [{"row": 2, "employee_id": "E000100", "participant_id": "part-1"}]
    assert result.report.unchanged == 1
    assert [type(e) for e in result.events] == [ParticipantUpdated]
    assert result.changes[0].participant.level == 11
    assert original.level == 10  # the importer is pure


def test_columns_absent_from_the_file_are_kept_on_update(program, now):
    existing = existing_from(run(csv_of(LEADER), program, now))
    slim = csv_of("E000100,leader,10,Europe/Lisbon,en;pt", header="employee_id,role,level,timezone,languages")
    result = run(slim, program, now, existing)
    assert result.report.unchanged == 1
    assert result.managers == {}


def test_each_bad_field_is_reported_with_row_field_and_reason_and_nothing_of_the_row_applies(program, now):
    bad = "E000300,leader,13,Mars/Base,en,knitting,,Funday 9-10,,"
    result = run(csv_of(LEADER, bad, JUNIOR), program, now)
    rejected = [r.to_dict() for r in result.report.rejected]
    assert {r["field"] for r in rejected} == {"level", "timezone", "topics_to_learn", "availability"}
    assert {r["row"] for r in rejected} == {3}
    assert all(r["employee_id"] == "E000300" and r["reason"] for r in rejected)
    assert [c.participant.employee_id for c in result.changes] == ["E000100", "E000200"]


def test_non_numeric_level_gets_one_clear_message(program, now):
    result = run(csv_of(LEADER.replace(",10,", ",ten,")), program, now)
    [rejection] = result.report.rejected
    assert (rejection.field, rejection.reason) == ("level", "level must be a whole number, got 'ten'")


def test_duplicate_employee_ids_reject_every_occurrence_naming_the_other_rows(program, now):
    result = run(csv_of(LEADER, JUNIOR, LEADER.replace(",10,", ",9,")), program, now)
    duplicates = [r for r in result.report.rejected if r.field == "employee_id"]
    assert [(r.row, r.reason) for r in duplicates] == [
        (2, "employee_id E000100 appears more than once (also on rows 4)"),
        (4, "employee_id E000100 appears more than once (also on rows 2)"),
    ]
    assert [c.participant.employee_id for c in result.changes] == ["E000200"]


def test_row_with_the_wrong_number_of_cells_is_rejected_whole(program, now):
    result = run(csv_of(LEADER + ",extra"), program, now)
    assert [(r.row, r.field) for r in result.report.rejected] == [(2, "row")]
    assert result.changes == []


def test_blank_lines_are_skipped_but_rows_keep_their_line_numbers(program, now):
    result = run(csv_of("", LEADER), program, now)
    assert result.report.total_rows == 1
    assert result.report.accepted[0]["row"] == 3


def test_role_cannot_change_through_an_import(program, now):
    existing = existing_from(run(csv_of(LEADER), program, now))
    as_junior = "E000100,junior,10,Europe/Lisbon,en;pt,,ai-tools,,1,E000042"
    result = run(csv_of(as_junior), program, now, existing)
    assert [r.field for r in result.report.rejected] == ["role"]


def test_consent_no_rejects_the_row(program, now):
    header = "employee_id,role,level,timezone,languages,topics_to_learn,consent_data_processing"
    result = run(csv_of("E1,leader,9,UTC,en,ai-tools,no", header=header), program, now)
    assert [r.field for r in result.report.rejected] == ["consent_data_processing"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("employee_id,role,level,timezone\n", "missing required columns languages"),
        (HEADER + ",shoe_size\n", "unknown columns 'shoe_size'"),
        ("employee_id,role,level,timezone,languages,level\n", "repeated columns 'level'"),
    ],
)
def test_unusable_files_are_refused_before_any_row(program, now, text, fragment):
    with pytest.raises(ImportFileError) as caught:
        run(text, program, now)
    assert fragment in caught.value.errors["file"][0]


def test_header_names_are_forgiving_about_case_and_spaces(program, now):
    header = "Employee ID,Role,Level,Time-Zone,LANGUAGES,topics to learn"
    with pytest.raises(ImportFileError, match="time_zone"):
        run(csv_of("E1,leader,9,UTC,en,ai-tools", header=header), program, now)
    header = header.replace("Time-Zone", "Timezone")
    assert run(csv_of("E1,leader,9,UTC,en,ai-tools", header=header), program, now).report.rejected == []


def test_too_many_rows_is_a_file_error(program, now):
    with pytest.raises(ImportFileError, match="at most 1"):
        import_participants(csv_of(LEADER, JUNIOR), program, {}, now=now, max_rows=1)


def test_closed_program_refuses_the_import(program, now):
    program.transition("closed", now=now)
    with pytest.raises(Conflict):
        run(csv_of(LEADER), program, now)


def test_uploads_must_be_utf8_and_lose_their_byte_order_mark():
    assert decode_upload("\ufeffemployee_id".encode()) == "employee_id"
    with pytest.raises(ImportFileError, match="UTF-8"):
        decode_upload(b"employee_id\xff")


def test_ten_thousand_rows_are_all_accepted_and_reimport_changes_nothing(program, now, make_people_csv):
    text = make_people_csv(10_000)
    result = run(text, program, now)
    assert result.report.total_rows == 10_000
    assert result.report.rejected == []
    assert len(result.report.accepted) == 10_000
    again = import_participants(text, program, existing_from(result), now=now)
    assert again.report.unchanged == 10_000 and again.events == []

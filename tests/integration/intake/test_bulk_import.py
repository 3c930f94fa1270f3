"""HR bulk import: a report per row, idempotent re-import, duplicates per row, nothing half-applied."""

from __future__ import annotations

from shared.contracts import PARTICIPANTS

HEADER = "employee_id,role,level,timezone,languages,topics_to_learn,topics_to_teach,availability,manager_id\n"
ROWS = [
    "E000500,leader,10,Europe/London,en,ai-tools,,Mon 09:00-11:00,E000400",
    "E000501,junior,2,Europe/Lisbon,en;pt,,ai-tools;gen-z-consumer-trends,Mon 10:00-12:00,E000500",
    "E000502,junior,3,Asia/Singapore,en,,ai-tools,,E000500",
    "E000503,junior,13,Mars/Olympus,xx-??,,ai-tools,,",
]
FILE = HEADER + "\n".join(ROWS) + "\n"


def test_the_report_names_every_rejected_field_and_reimporting_the_same_file_emits_no_new_events(
    intake, assert_published_contract
):
    program_id = intake.create_program()["program_id"]
    first = intake.upload(program_id, FILE)
    assert first.status_code == 200, first.get_json()
    report = first.get_json()
    assert report["total_rows"] == 4 and report["unchanged"] == 0 and report["updated"] == []
    assert [(r["row"], r["employee_id"]) for r in report["accepted"]] == [
        (2, "E000500"), (3, "E000501"), (4, "E000502")
    ]  # fmt: skip
    rejected = {(r["row"], r["field"]) for r in report["rejected"]}
    assert rejected == {(5, "level"), (5, "timezone"), (5, "languages")}
    assert all(r["employee_id"] == "E000503" and r["reason"] for r in report["rejected"])

    with intake.worker():
        envelopes = intake.published(PARTICIPANTS, expected=3)
    assert_published_contract(envelopes)
    assert {e["data"]["employee_id"] for e in envelopes} == {"E000500", "E000501", "E000502"}

    again = intake.upload(program_id, FILE).get_json()
    assert (again["accepted"], again["updated"], again["unchanged"]) == ([], [], 3)
    assert len(again["rejected"]) == 3
    assert intake.pending_events() == 0  # nothing was written, so nothing can be published
    with intake.worker():
        assert len(intake.published(PARTICIPANTS, expected=4, timeout_s=3)) == 3
    listed = intake.client.get(f"/v1/participants?program_id={program_id}", headers=intake.hr).get_json()
    assert listed["total"] == 3


def test_a_changed_row_is_an_update_and_the_others_stay_unchanged(intake, assert_published_contract):
    program_id = intake.create_program()["program_id"]
    intake.upload(program_id, HEADER + "\n".join(ROWS[:3]) + "\n")
    changed = ROWS[2].replace(",3,Asia/Singapore,", ",4,Asia/Singapore,")
    report = intake.upload(program_id, HEADER + "\n".join([*ROWS[:2], changed]) + "\n").get_json()
    assert [(r["row"], r["employee_id"]) for r in report["updated"]] == [(4, "E000502")]
    assert report["unchanged"] == 2 and report["accepted"] == [] and report["rejected"] == []
    with intake.worker():
        envelopes = intake.published(PARTICIPANTS, expected=4)
    assert [e["type"].split(".")[2] for e in envelopes].count("updated") == 1
    assert_published_contract(envelopes)
    person = intake.client.get(
        f"/v1/participants?employee_id=E000502&program_id={program_id}", headers=intake.hr
    )
    assert person.get_json()["items"][0]["level"] == 4


def test_duplicate_employee_ids_in_a_file_are_reported_on_every_row_and_none_of_them_applies(intake):
    program_id = intake.create_program()["program_id"]
    text = HEADER + "\n".join([ROWS[0], ROWS[1], ROWS[0].replace(",10,", ",11,"), ROWS[2]]) + "\n"
    report = intake.upload(program_id, text).get_json()
    duplicates = [(r["row"], r["field"], r["reason"]) for r in report["rejected"]]
    assert duplicates == [
        (2, "employee_id", "employee_id E000500 appears more than once (also on rows 4)"),
        (4, "employee_id", "employee_id E000500 appears more than once (also on rows 2)"),
    ]
    assert [r["employee_id"] for r in report["accepted"]] == ["E000501", "E000502"]
    listed = intake.client.get("/v1/participants?employee_id=E000500", headers=intake.hr).get_json()
    assert listed["total"] == 0


def test_a_file_that_cannot_be_read_is_a_422_naming_the_file_and_nothing_is_imported(intake):
    program_id = intake.create_program()["program_id"]
    no_role = intake.upload(program_id, "employee_id,level,timezone,languages\nE1,3,Europe/Lisbon,en\n")
    assert no_role.status_code == 422
    assert no_role.get_json()["errors"][0]["field"] == "file" and "role" in no_role.get_json()["detail"]
    missing_file = intake.client.post(
        f"/v1/programs/{program_id}/imports", data={}, headers=intake.hr, content_type="multipart/form-data"
    )
    assert missing_file.status_code == 422 and missing_file.get_json()["errors"][0]["field"] == "file"
    assert intake.pending_events() == 2  # only the program's own: created, status_changed


def test_importing_needs_hr_or_the_programs_own_admin(intake):
    program_id = intake.create_program()["program_id"]
    assert intake.upload(program_id, FILE, intake.participant("E000500")).status_code == 403
    assert intake.upload(program_id, FILE, intake.token("E000002", "admin")).status_code == 403
    assert intake.upload(program_id, FILE, intake.admin).status_code == 200
    assert intake.upload("no-such-program", FILE).status_code == 404

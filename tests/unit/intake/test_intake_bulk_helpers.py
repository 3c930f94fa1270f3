"""Pure helpers behind the bulk paths: org-chart upload validation, bucket placement, lost-race reporting."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from services.intake.domain.importer import ImportReport, RowRejection
from services.intake.schemas import OrgChartUploadSchema
from services.intake.store import ORGCHART_BUCKETS, bucket_of, enrolment_key


def test_an_orgchart_upload_names_every_malformed_employee_and_accepts_cycles():
    assert OrgChartUploadSchema().load({"E1": None, "E2": "E2", "a.b-c_d": "E1"}) == {
        "E1": None, "E2": "E2", "a.b-c_d": "E1"
    }  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        OrgChartUploadSchema().load({"E1": None, " E2": "E1", "E3": 7, "E4": "not ok"})
    assert sorted(caught.value.messages) == [" E2", "E3", "E4"]


@pytest.mark.parametrize("body", [{}, [], "E1"])
def test_an_orgchart_upload_must_be_a_non_empty_object(body):
    with pytest.raises(ValidationError):
        OrgChartUploadSchema().load(body)


def test_an_employee_always_lands_in_the_same_bucket_and_buckets_spread():
    buckets = {bucket_of(f"E{n:06d}") for n in range(2000)}
    assert bucket_of("E000123") == bucket_of("E000123")
    assert len(buckets) > ORGCHART_BUCKETS * 0.9


def test_erased_participants_get_enrolment_keys_of_their_own_without_personal_data():
    assert enrolment_key("p1", "E1", "part-1") == "p1/E1"
    assert enrolment_key("p1", None, "part-1") != enrolment_key("p1", None, "part-2")
    assert "E1" not in enrolment_key("p1", None, "part-1")


def test_rows_that_lost_a_race_are_reported_as_rejected_and_not_as_imported():
    report = ImportReport(
        total_rows=3,
        accepted=[{"row": 2, "employee_id": "E1", "participant_id": "a"}],
        updated=[{"row": 3, "employee_id": "E2", "participant_id": "b"}],
        rejected=[RowRejection(4, "level", "bad", "E3")],
    )
    report.reject_lost({"b"})
    assert [entry["employee_id"] for entry in report.accepted] == ["E1"] and report.updated == []
    assert [(r.row, r.field, r.employee_id) for r in report.rejected] == [
        (3, "employee_id", "E2"),
        (4, "level", "E3"),
    ]

"""The outcome report and surveys answer with the shapes their OpenAPI documents (found by fuzzing: these
operations documented no 200, and the report's pulse times went out as HTTP dates, not ISO 8601)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.feedback.domain.outcomes import report
from services.feedback.pulse.queries import result_view
from services.feedback.schemas import OutcomeReportSchema, SurveyRecordSchema

CLOSED = datetime(2026, 12, 1, 18, 59, 43, tzinfo=UTC)
PULSE = {
    "pulse_id": "pu-1",
    "program_id": "prog-1",
    "title": "Safety",
    "status": "closed",
    "closes_at": datetime(2026, 12, 8, tzinfo=UTC),
    "closed_at": CLOSED,
    "k": 5,
    "result": {"k": 5, "released": True, "responses": 7, "questions": [], "breakdown": None},
}
ROW = {"activated_on": "2026-11-02", "state": "active", "goals_total": 2, "goals_achieved": 1, "check_ins": 3}


def _keys(value) -> object:
    """The nested key structure of a report (lists by their first item)."""
    if isinstance(value, dict):
        return {k: _keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys(value[0])] if value else []
    return None


def test_every_field_of_the_outcome_report_is_documented_and_its_times_are_iso_8601():
    figures = report("prog-1", [ROW], [result_view(PULSE)])
    dumped = OutcomeReportSchema().dump(figures)
    assert _keys(dumped) == _keys(figures)  # the schema drops nothing the report has
    assert dumped["pulse"][0]["closed_at"] == CLOSED.isoformat()
    assert dumped["goals"] == {"set": 2, "achieved": 1, "attainment_rate": 0.5}


def test_a_survey_record_is_documented_field_by_field():
    record = {
        "pairing_id": "pr-1",
        "program_id": "prog-1",
        "kind": "fit_check",
        "side": "junior",
        "participant_id": "pa-1",
        "answers": {"q1": 4},
        "answered_at": CLOSED,
    }
    assert SurveyRecordSchema().dump(record) == {**record, "answered_at": CLOSED.isoformat()}

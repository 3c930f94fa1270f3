"""The org chart: HR's whole-organisation upload, lines from registrations and imports, events, problems."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pymongo

from services.intake.store import ORGCHART_BUCKETS, MongoOrgChart
from shared.contracts import ORGCHART
from tests.integration.intake.conftest import LEADER

SECOND = timedelta(seconds=1)


def test_uploading_the_orgchart_emits_one_event_per_new_or_changed_line_and_none_for_unchanged_ones(
    intake, assert_published_contract
):
    chart = {"E1": None, "E2": "E1", "E3": "E2", "E4.x": "E2"}
    first = intake.client.put("/v1/orgchart", json=chart, headers=intake.hr)
    assert first.status_code == 200
    assert first.get_json() == {"employees": 4, "upserted": 4, "removed": 0, "unchanged": 0, "problems": []}
    same = intake.client.put("/v1/orgchart", json=chart, headers=intake.hr).get_json()
    assert (same["upserted"], same["unchanged"]) == (0, 4)
    moved = {"E1": None, "E2": "E1", "E3": "E1", "E5": "E3"}  # E3 moves, E5 joins, E4.x leaves
    changed = intake.client.put("/v1/orgchart", json=moved, headers=intake.hr).get_json()
    assert (changed["upserted"], changed["removed"], changed["unchanged"]) == (2, 1, 2)

    with intake.worker():
        envelopes = intake.published(ORGCHART, expected=6)
        assert len(intake.published(ORGCHART, expected=7, timeout_s=3)) == 6  # nothing more comes
    lines = [(e["_key"], e["data"]["manager_id"]) for e in envelopes]
    assert sorted(lines) == sorted(
        [("E1", None), ("E2", "E1"), ("E3", "E2"), ("E4.x", "E2"), ("E3", "E1"), ("E5", "E3")]
    )
    assert [m for k, m in lines if k == "E3"] == ["E2", "E1"]  # one employee's lines stay in order
    assert {e["type"] for e in envelopes} == {"mentoring.orgchart.employee_upserted.v1"}
    assert_published_contract(envelopes)


def test_a_reorganisation_that_moves_every_line_of_a_large_chart_is_applied_in_full(intake):
    """Every one of the chart's buckets changes in one upload (this hung on an unpatched FerretDB)."""
    employees = [f"E{n:05d}" for n in range(2_000)]
    before = {e: (employees[(n - 1) // 4] if n else None) for n, e in enumerate(employees)}
    after = {e: (employees[(n - 1) // 3] if n else None) for n, e in enumerate(employees)}
    moved = sum(before[e] != after[e] for e in employees)
    with pymongo.timeout(120):
        assert intake.client.put("/v1/orgchart", json=before, headers=intake.hr).status_code == 200
        report = intake.client.put("/v1/orgchart", json=after, headers=intake.hr).get_json()
    assert (report["upserted"], report["unchanged"]) == (moved, 2_000 - moved)
    assert intake.db["orgchart"].count_documents({"lines": {"$exists": True}}) == ORGCHART_BUCKETS
    problems = intake.client.get("/v1/orgchart/problems", headers=intake.hr).get_json()
    assert problems == {"employees": 2_000, "problems": []}


def test_cycles_and_unknown_managers_are_reported_not_refused(intake):
    chart = {"E1": None, "E2": "E3", "E3": "E4", "E4": "E2", "E5": "E404", "E6": "E6"}
    upload = intake.client.put("/v1/orgchart", json=chart, headers=intake.hr)
    assert upload.status_code == 200
    problems = intake.client.get("/v1/orgchart/problems", headers=intake.admin).get_json()
    assert problems["employees"] == 6
    found = {(p["kind"], p["employee_id"], tuple(p["members"])) for p in problems["problems"]}
    assert found == {
        ("unknown_manager", "E5", ()),
        ("cycle", "E2", ("E2", "E3", "E4")),
        ("cycle", "E6", ("E6",)),
    }
    assert upload.get_json()["problems"] == problems["problems"]


def test_registration_and_import_managers_feed_the_orgchart(intake, assert_published_contract):
    program_id = intake.create_program()["program_id"]
    intake.enrol(program_id, LEADER)  # manager_id E000010
    csv = (
        "employee_id,role,level,timezone,languages,topics_to_teach,manager_id\n"
        "E000300,junior,2,Europe/Berlin,en,ai-tools,E000100\n"
        "E000301,junior,3,Europe/Berlin,en,ai-tools,\n"
    )
    assert intake.upload(program_id, csv).status_code == 200
    with intake.worker():  # the worker lays the registration's line over the chart (the import's is there)
        envelopes = intake.published(ORGCHART, expected=2)
    problems = intake.client.get("/v1/orgchart/problems", headers=intake.hr).get_json()
    assert problems["employees"] == 2  # E000100 → E000010 and E000300 → E000100; a blank manager adds nothing
    assert [p["employee_id"] for p in problems["problems"]] == ["E000100"]  # E000010 was never uploaded
    assert sorted((e["_key"], e["data"]["manager_id"]) for e in envelopes) == [
        ("E000100", "E000010"),
        ("E000300", "E000100"),
    ]
    assert_published_contract(envelopes)


def test_a_registration_sets_its_reporting_line_through_the_worker_only_when_new_or_changed(intake):
    intake.client.put("/v1/orgchart", json={"E000010": None, "E000011": None}, headers=intake.hr)
    first, second = (intake.create_program()["program_id"] for _ in range(2))
    leader = intake.enrol(first, LEADER)  # E000100 → E000010: new
    intake.enrol(second, LEADER)  # the same line again, from another program: unchanged
    moved = intake.client.patch(
        f"/v1/participants/{leader['participant_id']}", json={"manager_id": "E000011"}, headers=intake.hr
    )
    assert moved.status_code == 200
    with intake.worker():
        envelopes = intake.published(ORGCHART, expected=4)
        assert len(intake.published(ORGCHART, expected=5, timeout_s=3)) == 4  # nothing more comes
    lines = [(e["_key"], e["data"]["manager_id"]) for e in envelopes if e["_key"] == "E000100"]
    assert lines == [("E000100", "E000010"), ("E000100", "E000011")]
    chart = intake.client.get("/v1/orgchart/problems", headers=intake.hr).get_json()
    assert chart == {"employees": 3, "problems": []}


def test_only_hr_uploads_the_orgchart_and_malformed_ids_are_named(intake):
    admin_try = intake.client.put("/v1/orgchart", json={"E1": None}, headers=intake.admin)
    assert admin_try.status_code == 403
    bad = intake.client.put("/v1/orgchart", json={"E1": None, "not an id": "E1", "E2": 7}, headers=intake.hr)
    assert bad.status_code == 422
    assert sorted(e["field"] for e in bad.get_json()["errors"]) == ["E2", "not an id"]
    empty = intake.client.put("/v1/orgchart", json={}, headers=intake.hr)
    assert empty.status_code == 422
    assert intake.client.get("/v1/orgchart/problems", headers=intake.hr).get_json()["employees"] == 0


def test_reporting_lines_arriving_out_of_order_keep_the_latest_and_emit_only_real_changes(intake):
    chart, start = MongoOrgChart(intake.db), datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert chart.set_line("E7", "M1", [], start + timedelta(seconds=2))  # new
    assert chart.set_line("E7", "M2", [], start + timedelta(seconds=5))  # newer and different
    assert not chart.set_line("E7", "M1", [], start + timedelta(seconds=3))  # older: ignored
    assert not chart.set_line("E7", "M2", [], start + timedelta(seconds=9))  # the same line: nothing to do
    assert chart.set_line("E8", "M1", [], start)  # another employee in the same or another bucket
    assert chart.load() == {"E7": "M2", "E8": "M1"}


def test_a_whole_organisation_upload_supersedes_registration_lines_the_worker_has_not_applied_yet(intake):
    program_id = intake.create_program()["program_id"]
    intake.enrol(program_id, LEADER)  # E000100 → E000010, given before HR's upload
    hr_chart = {"E000010": None, "E000011": None, "E000100": "E000011"}
    assert intake.client.put("/v1/orgchart", json=hr_chart, headers=intake.hr).status_code == 200
    with intake.worker():
        envelopes = intake.published(ORGCHART, expected=3)
        assert len(intake.published(ORGCHART, expected=4, timeout_s=3)) == 3  # the older line is not applied
    assert sorted((e["_key"], e["data"]["manager_id"]) for e in envelopes) == sorted(hr_chart.items())
    assert MongoOrgChart(intake.db).load() == hr_chart


class _WriterBetween:
    """The org chart's collection, with another writer's line landing right after each read."""

    def __init__(self, collection, write) -> None:
        self.collection, self.write = collection, write

    def find(self, *args, **kwargs):
        documents = list(self.collection.find(*args, **kwargs))
        self.write()
        return documents

    def __getattr__(self, name):
        return getattr(self.collection, name)


def test_lines_set_together_yield_to_a_newer_line_written_between_their_read_and_their_write(intake):
    start = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    other, chart = MongoOrgChart(intake.db), MongoOrgChart(intake.db)
    assert other.set_line("E7", "M1", [], start)
    chart.collection = _WriterBetween(
        chart.collection, lambda: other.set_line("E7", "M3", [], start + 10 * SECOND)
    )
    written = chart.set_lines([("E7", "M2", [], start + 5 * SECOND), ("E8", "M1", [], start)])
    assert written == [False, True]  # M3 came later than M2: one line after another would have kept M3 too
    assert other.load() == {"E7": "M3", "E8": "M1"}

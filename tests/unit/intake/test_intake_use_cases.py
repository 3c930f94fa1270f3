"""Every intake use case as a story on the in-memory unit of work, through the bus: no servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain import (
    ImportCompleted,
    OrgChartUploaded,
    ParticipantRecorded,
    ProgramPurged,
    ProgramRecorded,
    ReportingLineSet,
    RetentionPolicy,
)
from services.intake.service import build_bus
from services.intake.service import commands as c
from services.intake.store import MemoryIntakeUnitOfWork
from shared.auth import Principal
from shared.contracts import types as contract
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound

ADMIN = Principal("E000001", frozenset({"admin"}))
HR = Principal("E000900", frozenset({"hr"}))
NOW = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
PROGRAM = {
    "name": "EMEA 2027",
    "focus_areas": ["ai-tools"],
    "starts_on": "2027-01-11",
    "ends_on": "2027-06-30",
}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def bus(clock):
    return build_bus(MemoryIntakeUnitOfWork(clock))


def types(events):
    return [type(e) for e in events]


def create_program(bus) -> str:
    events = bus.handle(c.CreateProgram(dict(PROGRAM), ADMIN))
    return events[0].key


def enrol(bus, program_id, leader_values, **overrides) -> str:
    values = {**leader_values, "program_id": program_id, **overrides}
    return bus.handle(c.RegisterParticipant(values, HR))[0].key


def test_creating_a_program_stores_it_in_draft_with_the_caller_as_admin(bus):
    events = bus.handle(c.CreateProgram(dict(PROGRAM), ADMIN))
    assert types(events) == [contract.ProgramCreated, ProgramRecorded]
    stored = bus.uow.programs.load(events[0].key).record
    assert stored["status"] == "draft" and stored["admins"] == [ADMIN.subject]
    assert [e.type for e in bus.uow.programs.pending()] == [contract.ProgramCreated.type]


def test_updating_a_program_emits_updated_only_when_something_changed(bus):
    program_id = create_program(bus)
    assert types(bus.handle(c.UpdateProgram(program_id, {"name": "EMEA 2027"}, ADMIN))) == [ProgramRecorded]
    events = bus.handle(c.UpdateProgram(program_id, {"name": "EMEA 2028"}, ADMIN))
    assert types(events) == [contract.ProgramUpdated, ProgramRecorded]
    assert bus.uow.programs.load(program_id).version == 2


def test_only_the_program_s_admins_may_change_it(bus):
    program_id = create_program(bus)
    other_admin = Principal("E000002", frozenset({"admin"}))
    with pytest.raises(Forbidden):
        bus.handle(c.UpdateProgram(program_id, {"name": "Mine now"}, other_admin))


def test_a_program_moves_along_its_lifecycle_and_refuses_a_skip(bus):
    program_id = create_program(bus)
    events = bus.handle(c.TransitionProgram(program_id, "enrolling", ADMIN))
    assert types(events) == [contract.ProgramStatusChanged, ProgramRecorded]
    with pytest.raises(Conflict):
        bus.handle(c.TransitionProgram(program_id, "running", ADMIN))


def test_registering_writes_one_participant_with_its_event(bus, leader_values):
    program_id = create_program(bus)
    events = bus.handle(c.RegisterParticipant({**leader_values, "program_id": program_id}, HR))
    assert types(events) == [contract.ParticipantRegistered, ParticipantRecorded]
    assert bus.uow.participants.load(events[0].key).record["employee_id"] == leader_values["employee_id"]
    with pytest.raises(Conflict):
        bus.handle(c.RegisterParticipant({**leader_values, "program_id": program_id}, HR))


def test_registering_in_a_missing_program_is_not_found(bus, leader_values):
    with pytest.raises(NotFound):
        bus.handle(c.RegisterParticipant({**leader_values, "program_id": "nope"}, HR))


def test_updating_a_participant_emits_updated_with_the_new_profile(bus, leader_values):
    participant_id = enrol(bus, create_program(bus), leader_values)
    events = bus.handle(c.UpdateParticipant(participant_id, {"level": 11}, HR))
    assert types(events) == [contract.ParticipantUpdated, ParticipantRecorded]
    assert events[0].data["level"] == 11


def test_withdrawing_keeps_the_profile_and_re_enrolling_brings_them_back(bus, leader_values):
    participant_id = enrol(bus, create_program(bus), leader_values)
    events = bus.handle(c.WithdrawParticipant(participant_id, "new role", HR))
    assert types(events) == [contract.ParticipantWithdrawn, ParticipantRecorded]
    assert events[0].data["reason"] is None and events[-1].record["withdrawal_reason"] == "new role"
    back = bus.handle(c.ReenrolParticipant(participant_id, HR))
    assert types(back) == [contract.ParticipantUpdated, ParticipantRecorded]


def test_withdrawing_consent_to_matching_withdraws_the_participant(bus, leader_values):
    participant_id = enrol(bus, create_program(bus), leader_values)
    events = bus.handle(c.ChangeConsent(participant_id, {"matching": False}, HR))
    assert events[0].data["reason"] == "consent-withdrawn"


def test_erasure_keeps_only_ids_and_drops_pending_personal_events(bus, leader_values):
    participant_id = enrol(bus, create_program(bus), leader_values)
    events = bus.handle(c.EraseParticipant(participant_id, HR))
    assert types(events) == [contract.ParticipantErased, contract.ContactErased, ParticipantRecorded]
    assert bus.uow.participants.load(participant_id).record["employee_id"] is None
    pending = [e.type for e in bus.uow.participants.pending()]
    assert pending == [contract.ParticipantErased.type, contract.ContactErased.type]
    assert types(bus.handle(c.EraseParticipant(participant_id, HR))) == [ParticipantRecorded]


def test_a_participant_cannot_see_or_change_someone_else(bus, leader_values):
    participant_id = enrol(bus, create_program(bus), leader_values)
    stranger = Principal("E999999", frozenset({"participant"}))
    with pytest.raises(NotFound):
        bus.handle(c.EraseParticipant(participant_id, stranger))


def test_an_import_registers_new_rows_feeds_the_org_chart_and_repeats_as_unchanged(bus, make_people_csv):
    program_id = create_program(bus)
    data = make_people_csv(20).encode()
    events = bus.handle(c.ImportParticipants(program_id, data, HR))
    report = events[-1]
    assert isinstance(report, ImportCompleted) and len(report.report["accepted"]) == 20
    assert len(bus.uow.participants.in_program(program_id)) == 20
    assert bus.uow.orgchart.load() and len(bus.uow.imports.records) == 1
    again = bus.handle(c.ImportParticipants(program_id, data, HR))
    assert types(again) == [ImportCompleted] and again[0].report["unchanged"] == 20


def test_an_org_chart_upload_emits_only_new_or_changed_lines_and_reports_cycles(bus):
    first = bus.handle(c.UploadOrgChart({"E1": None, "E2": "E1", "E3": "E4", "E4": "E3"}))
    assert types(first).count(contract.OrgChartEmployeeUpserted) == 4
    assert {p["kind"] for p in first[-1].report["problems"]} == {"cycle"}
    again = bus.handle(c.UploadOrgChart({"E1": None, "E2": "E1", "E3": "E4", "E4": "E3"}))
    assert types(again) == [OrgChartUploaded] and again[0].report["unchanged"] == 4


def test_a_reporting_line_older_than_the_last_whole_upload_is_superseded(bus, clock):
    bus.handle(c.UploadOrgChart({"E1": "E9"}))
    events = bus.handle(c.SetReportingLine("E1", "E7", NOW - timedelta(minutes=1)))
    assert events == [ReportingLineSet("E1", "E7", written=False)]
    newer = bus.handle(c.SetReportingLine("E1", "E7", NOW + timedelta(minutes=1)))
    assert types(newer) == [contract.OrgChartEmployeeUpserted, ReportingLineSet]
    assert bus.uow.orgchart.load(["E1"]) == {"E1": "E7"}
    assert bus.handle(c.SetReportingLine("E1", "E7", NOW + timedelta(minutes=2)))[0].written is False


def test_a_run_of_reporting_lines_has_the_outcome_of_one_line_after_another(bus, clock):
    bus.handle(c.UploadOrgChart({"E1": "E9", "E2": "E9"}))
    lines = (
        c.SetReportingLine("E1", "E7", NOW - timedelta(minutes=1)),  # older than the upload: superseded
        c.SetReportingLine("E2", "E9", NOW + timedelta(minutes=1)),  # the same line: nothing to write
        c.SetReportingLine("E3", "E4", NOW + timedelta(minutes=1)),  # new
        c.SetReportingLine("E3", "E5", NOW + timedelta(minutes=3)),  # changed again, later
        c.SetReportingLine("E3", "E6", NOW + timedelta(minutes=2)),  # arrives late: older than E5's
    )
    events = bus.handle(c.SetReportingLines(lines))
    assert [(e.employee_id, e.manager_id, e.written) for e in events if isinstance(e, ReportingLineSet)] == [
        ("E1", "E7", False),
        ("E2", "E9", False),
        ("E3", "E4", True),
        ("E3", "E5", True),
        ("E3", "E6", False),
    ]
    upserted = [e.data for e in events if isinstance(e, contract.OrgChartEmployeeUpserted)]
    assert upserted == [{"employee_id": "E3", "manager_id": "E4"}, {"employee_id": "E3", "manager_id": "E5"}]
    assert bus.uow.orgchart.load(["E1", "E2", "E3"]) == {"E1": "E9", "E2": "E9", "E3": "E5"}


def test_retention_purges_closed_programs_past_the_period_only(bus, clock, leader_values):
    program_id = create_program(bus)
    participant_id = enrol(bus, program_id, leader_values)
    bus.handle(c.TransitionProgram(program_id, "closed", ADMIN))
    policy = RetentionPolicy.days(30)
    assert bus.handle(c.PurgeDueRetention(policy, now=NOW + timedelta(days=29))) == []
    events = bus.handle(c.PurgeDueRetention(policy, now=NOW + timedelta(days=31)))
    assert events == [ProgramPurged(program_id, 1, NOW)]
    assert bus.uow.participants.load(participant_id).record["status"] == "erased"
    assert bus.handle(c.PurgeDueRetention(policy, now=NOW + timedelta(days=32))) == []


def test_an_admin_purges_a_closed_program_now_but_not_an_open_one(bus, leader_values):
    program_id = create_program(bus)
    enrol(bus, program_id, leader_values)
    with pytest.raises(Conflict):
        bus.handle(c.PurgeProgram(program_id, ADMIN))
    bus.handle(c.TransitionProgram(program_id, "closed", ADMIN))
    assert bus.handle(c.PurgeProgram(program_id, ADMIN))[0].erased == 1


def test_an_import_that_is_not_utf8_is_refused_whole_and_writes_nothing(bus):
    program_id = create_program(bus)
    with pytest.raises(InvalidInput) as refused:
        bus.handle(c.ImportParticipants(program_id, b"employee_id\xff\n", HR))
    assert refused.value.status == 422 and "file" in refused.value.errors
    assert bus.uow.imports.records == []

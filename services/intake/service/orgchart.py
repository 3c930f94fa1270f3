"""Org chart use cases: HR's whole-organisation upload, and the reporting lines registrations and imports
name. Only new or changed lines are written, each with its ``employee_upserted`` event."""

from __future__ import annotations

from collections.abc import Mapping

from services.intake.domain import (
    DomainEvent,
    OrgChart,
    OrgChartDiff,
    OrgChartUploaded,
    ReportingLineSet,
    diff_org_charts,
)
from services.intake.service.commands import SetReportingLine, SetReportingLines, UploadOrgChart
from services.intake.service.ports import IntakeUnitOfWork


def upload_org_chart(command: UploadOrgChart, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    """The upload supersedes every line from before it, including registration lines intake's worker has
    not laid over the chart yet (``set_reporting_line`` skips those older than the last whole upload)."""
    managers = command.managers
    uploaded_at = uow.clock()
    diff = diff_org_charts(uow.orgchart.load(), managers)
    events = diff.events()
    uow.orgchart.write(diff.upserted, diff.removed, events, uploaded_at)
    uow.orgchart.mark_whole_upload(uploaded_at)
    report = {
        "employees": len(managers),
        "upserted": len(diff.upserted),
        "removed": len(diff.removed),
        "unchanged": len(managers) - len(diff.upserted),
        "problems": [problem.to_dict() for problem in OrgChart(managers).problems()],
    }
    return [*events, OrgChartUploaded(report)]


def set_reporting_line(command: SetReportingLine, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    """A registration or profile change names the employee's manager: the chart takes that line, unless HR
    replaced the whole chart after it was given. A redelivered event changes nothing."""
    employee, manager = command.employee_id, command.manager_id
    superseded_by = uow.orgchart.last_whole_upload()
    if superseded_by is not None and command.as_of < superseded_by:
        return [ReportingLineSet(employee, manager, written=False)]
    events = OrgChartDiff(upserted={employee: manager}).events()
    written = uow.orgchart.set_line(employee, manager, events, command.as_of)
    return [*(events if written else []), ReportingLineSet(employee, manager, written=written)]


def set_reporting_lines(command: SetReportingLines, uow: IntakeUnitOfWork) -> list[DomainEvent]:
    """A run of registrations' lines at once (intake's worker, per polled batch): the last whole upload is
    read once, and the store writes only real changes, one write per bucket, each line with its event."""
    superseded_by = uow.orgchart.last_whole_upload()
    lines = command.lines
    current = [i for i, line in enumerate(lines) if superseded_by is None or line.as_of >= superseded_by]
    changes = {
        i: OrgChartDiff(upserted={lines[i].employee_id: lines[i].manager_id}).events() for i in current
    }
    written = uow.orgchart.set_lines(
        [(lines[i].employee_id, lines[i].manager_id, changes[i], lines[i].as_of) for i in current]
    )
    done = {i for i, was_written in zip(current, written, strict=True) if was_written}
    events: list[DomainEvent] = []
    for i, line in enumerate(lines):
        events.extend(changes[i] if i in done else [])
        events.append(ReportingLineSet(line.employee_id, line.manager_id, written=i in done))
    return events


def merge_lines(uow: IntakeUnitOfWork, managers: Mapping[str, str | None]) -> OrgChartDiff:
    """Lay reporting lines from an import over the chart (others stay as they are)."""
    old = uow.orgchart.load(managers)
    diff = diff_org_charts({e: old[e] for e in managers if e in old}, managers)
    uow.orgchart.write(diff.upserted, diff.removed, diff.events(), uow.clock())
    return diff

"""Intake's reads: what the API shows, straight from the stores (no command, no events)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.intake.domain import OrgChart, Program
from services.intake.service.access import load_participant, load_program, require_access
from services.intake.service.ports import IntakeUnitOfWork
from shared.auth import Principal

PARTICIPANT_FILTERS = ("program_id", "role", "status", "employee_id")


def program_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """The program as the API shows it (dates as dates, so the response schema formats them)."""
    program = Program.from_record(record)
    return {**record, "starts_on": program.starts_on, "ends_on": program.ends_on}


def get_program(uow: IntakeUnitOfWork, program_id: str) -> dict[str, Any]:
    program, _ = load_program(uow, program_id)
    return program_view(program.to_record())


def list_programs(
    uow: IntakeUnitOfWork, status: str | None, skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    records, total = uow.programs.find(status, skip, limit)
    return [program_view(Program.from_record(r).to_record()) for r in records], total


def get_participant(uow: IntakeUnitOfWork, participant_id: str, by: Principal) -> dict[str, Any]:
    participant, _ = load_participant(uow, participant_id)
    require_access(uow, participant, by, write=False)
    return participant.to_record()


def list_participants(
    uow: IntakeUnitOfWork, filters: Mapping[str, Any], skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    query = {k: v for k, v in filters.items() if k in PARTICIPANT_FILTERS and v}
    return uow.participants.find(query, skip, limit)


def orgchart_problems(uow: IntakeUnitOfWork) -> dict[str, Any]:
    chart = OrgChart(uow.orgchart.load())
    return {"employees": len(chart), "problems": [problem.to_dict() for problem in chart.problems()]}

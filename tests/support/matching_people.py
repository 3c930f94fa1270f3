"""The people and programs matching's tests enrol, as intake publishes them: one source for the unit
stories (in-memory unit of work) and the integration tests (real Kafka and FerretDB)."""

from __future__ import annotations

from typing import Any

ADMIN_ID = "E000001"
CEO = "E000000"
MORNINGS = [{"day": d, "start": "09:00", "end": "12:00"} for d in range(5)]


def program(program_id: str, status: str = "matching", **rules: Any) -> dict[str, Any]:
    return {
        "program_id": program_id,
        "name": f"Program {program_id}",
        "status": status,
        "focus_areas": ["digital-transformation", "ai-tools"],
        "custom_focus_areas": [],
        "starts_on": "2027-01-11",
        "ends_on": "2027-06-30",
        "admins": [ADMIN_ID],
        "rules": {"min_seniority_gap": 3, "min_timezone_overlap_hours": 2.0, **rules},
    }


def person(
    program_id: str, participant_id: str, role: str, employee_id: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """An enrolled, consenting leader or junior who fits the default program (employee id defaults to
    ``E-<participant id>``); ``overrides`` change any field."""
    leader = role == "leader"
    return {
        "participant_id": participant_id,
        "program_id": program_id,
        "employee_id": employee_id or f"E-{participant_id}",
        "role": role,
        "level": 9 if leader else 3,
        "department": "Finance" if leader else "Technology",
        "location": "London",
        "timezone": "Europe/London",
        "languages": ["en"],
        "topics_to_learn": ["ai-tools", "digital-transformation"] if leader else [],
        "topics_to_teach": [] if leader else ["ai-tools"],
        "growth_goals": [] if leader else ["strategy"],
        "strengths": ["strategy"] if leader else [],
        "availability": MORNINGS,
        "capacity": None if leader else 1,
        "manager_id": CEO,
        "consent": {"matching": True, "data_processing": True},
        "status": "enrolled",
        **overrides,
    }


def two_leaders_one_junior(program_id: str, employee_ids: tuple[str, str, str]) -> list[dict[str, Any]]:
    """L1 and L2 (who wants to learn something else) competing for J1: the cohort most stories use."""
    leader_one, leader_two, junior = employee_ids
    return [
        person(program_id, "L1", "leader", leader_one),
        person(program_id, "L2", "leader", leader_two, topics_to_learn=["gen-z-consumer-trends"]),
        person(program_id, "J1", "junior", junior),
    ]

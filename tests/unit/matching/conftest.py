"""Factories for matching-domain unit tests: participants with sensible, overridable defaults."""

from __future__ import annotations

import pytest

from services.matching.domain import Participant, ProgramRules, Window

MORNINGS = tuple(Window(day, 9 * 60, 12 * 60) for day in range(5))


def person(pid: str, role: str = "leader", **overrides) -> Participant:
    defaults = {
        "participant_id": pid,
        "employee_id": f"E-{pid}",
        "role": role,
        "level": 9 if role == "leader" else 3,
        "department": "Marketing" if role == "leader" else "Technology",
        "location": "London",
        "timezone": "Europe/London",
        "languages": ("en",),
        "topics_to_learn": ("digital-transformation",) if role == "leader" else (),
        "topics_to_teach": () if role == "leader" else ("digital-transformation",),
        "growth_goals": () if role == "leader" else ("strategy",),
        "strengths": ("strategy",) if role == "leader" else (),
        "availability": MORNINGS,
        "capacity": None if role == "leader" else 1,
    }
    return Participant(**(defaults | overrides))


@pytest.fixture
def rules() -> ProgramRules:
    return ProgramRules(
        min_seniority_gap=3, min_timezone_overlap_hours=2.0, focus_areas=("digital-transformation",)
    )

"""Fixtures for intake unit tests: a program, valid participant values, and a seeded CSV generator."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from services.intake.domain import Program
from services.intake.domain.importer import COLUMNS
from shared.vocabulary import FOCUS_AREAS, GROWTH_GOALS

NOW = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
TIMEZONES = ("Europe/Lisbon", "Europe/Berlin", "America/New_York", "Asia/Singapore", "Europe/London")
DEPARTMENTS = ("Marketing", "Finance", "Operations", "Sales", "Engineering", "HR")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def program() -> Program:
    created, _ = Program.create(
        "prog-1",
        name="EMEA 2027",
        focus_areas=["digital-transformation", "social-media-influencer-marketing"],
        custom_focus_areas=["custom:retail-media"],
        starts_on=date(2027, 1, 10),
        ends_on=date(2027, 6, 30),
        admins=["E000001"],
        now=NOW,
    )
    return created


@pytest.fixture
def leader_values() -> dict:
    return {
        "employee_id": "E000100",
        "role": "leader",
        "level": 10,
        "department": "Marketing",
        "location": "Lisbon",
        "timezone": "Europe/Lisbon",
        "languages": ["en", "pt"],
        "topics_to_learn": ["social-media-influencer-marketing"],
        "strengths": ["strategy", "financial-acumen"],
        "availability": [{"day": 0, "start": "09:00", "end": "11:30"}],
        "manager_id": "E000042",
        "consent": {"matching": True, "data_processing": True},
    }


@pytest.fixture
def junior_values() -> dict:
    return {
        "employee_id": "E000200",
        "role": "junior",
        "level": 2,
        "timezone": "Europe/Berlin",
        "languages": ["en"],
        "topics_to_teach": ["custom:retail-media", "ai-tools"],
        "growth_goals": ["leadership"],
        "availability": [{"day": 2, "start": "14:00", "end": "16:00"}],
        "consent": {"matching": True, "data_processing": True},
    }


def people_csv(rows: int, seed: int = 7) -> str:
    """A valid, seeded CSV of ``rows`` people (about one leader in four) in the importer's format."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    topics = sorted(FOCUS_AREAS)
    goals = sorted(GROWTH_GOALS)
    for number in range(rows):
        leader = number % 4 == 0
        day = rng.randrange(5)
        start = rng.randrange(8, 15)
        windows = f"{DAYS[day]} {start:02d}:00-{start + 2:02d}:00;{DAYS[(day + 2) % 5]} 09:00-10:30"
        picked = ";".join(rng.sample(topics, 2))
        writer.writerow(
            [
                f"E{number + 10:06d}",
                "leader" if leader else "junior",
                rng.randint(8, 12) if leader else rng.randint(1, 4),
                rng.choice(DEPARTMENTS),
                "Lisbon",
                rng.choice(TIMEZONES),
                rng.choice(("en", "en;pt", "en;de", "en-GB;fr")),
                picked if leader else "",
                "" if leader else picked,
                "" if leader else ";".join(rng.sample(goals, 2)),
                ";".join(rng.sample(goals, 2)) if leader else "",
                windows,
                "" if leader else rng.randint(1, 3),
                f"E{rng.randrange(0, 10):06d}",
                "yes",
                "yes",
                f"Person {number + 10}",
                f"person.{number + 10}@example.com",
                rng.choice(("en", "fr", "de")),
            ]
        )
    return out.getvalue()


@pytest.fixture
def make_people_csv() -> Callable[..., str]:
    return people_csv

"""Deterministic demo organisations and reverse-mentoring cohorts (same seed → identical output)."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shared.vocabulary import DEFAULT_WEIGHTS, FOCUS_AREAS, GROWTH_GOALS

OFFICES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    # (location, IANA timezone, local languages besides English, share of headcount)
    ("London", "Europe/London", (), 0.22),
    ("Lisbon", "Europe/Lisbon", ("pt-PT",), 0.12),
    ("Berlin", "Europe/Berlin", ("de",), 0.08),
    ("New York", "America/New_York", ("es",), 0.18),
    ("Sao Paulo", "America/Sao_Paulo", ("pt-BR", "es"), 0.1),
    ("Singapore", "Asia/Singapore", ("zh", "ms"), 0.1),
    ("Bengaluru", "Asia/Kolkata", ("hi", "kn"), 0.12),
    ("Sydney", "Australia/Sydney", (), 0.08),
)
DEPARTMENTS = (
    "Marketing",
    "Sales",
    "Finance",
    "Technology",
    "Operations",
    "People",
    "Legal",
    "Product",
    "Customer Service",
)
FIRST_NAMES = (
    "Ana", "Ben", "Chloe", "Daniel", "Eva", "Farah", "Gabriel", "Hana", "Ivan", "Joana", "Kai", "Lucia",
    "Mateus", "Nina", "Omar", "Priya", "Quentin", "Rosa", "Sam", "Tiago", "Uma", "Victor", "Wei", "Yara",
)  # fmt: skip
LAST_NAMES = (
    "Almeida", "Brown", "Chen", "Dubois", "Evans", "Fernandes", "Garcia", "Hughes", "Iyer", "Jensen",
    "Khan", "Lopes", "Muller", "Nguyen", "Okafor", "Patel", "Rossi", "Silva", "Tan", "Walker",
)  # fmt: skip
# tree tiers: (share of headcount, levels); depth 0 is the CEO (level 12)
TIERS: tuple[tuple[float, tuple[int, ...]], ...] = (
    (0.0, (12,)),
    (0.0, (11,)),
    (0.03, (10, 9)),
    (0.09, (8, 7)),
    (0.16, (6, 5)),
    (0.32, (4, 3)),
    (0.40, (2, 1)),
)
LEADER_MIN_LEVEL = 7
JUNIOR_MAX_LEVEL = 4


@dataclass
class Organisation:
    """An org chart: employees (dicts) whose ``manager_id`` links form one tree."""

    seed: int
    employees: list[dict[str, Any]] = field(default_factory=list)
    _index: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def manager_of(self) -> dict[str, str | None]:
        return {e["employee_id"]: e["manager_id"] for e in self.employees}

    def contact_of(self, employee_id: str) -> dict[str, str]:
        """The contact details intake takes at enrolment (display name, work e-mail, locale)."""
        employee = self._by_id()[employee_id]
        return {"display_name": employee["name"], "email": employee["email"], "locale": employee["locale"]}

    def _by_id(self) -> dict[str, dict[str, Any]]:
        if len(self._index) != len(self.employees):
            self._index = {e["employee_id"]: e for e in self.employees}
        return self._index


def generate_organisation(seed: int = 7, employees: int = 2000) -> Organisation:
    """A realistic company of ``employees`` people, 5-7 reporting levels deep, over eight offices."""
    if employees < 20:
        raise ValueError("an organisation needs at least 20 employees")
    rng = random.Random(seed)
    people: list[dict[str, Any]] = []
    office_weights = [o[3] for o in OFFICES]
    addresses: Counter[str] = Counter()

    def add(manager: dict | None, level: int, department: str) -> dict:
        if manager is None or rng.random() < 0.25:
            office = rng.choices(OFFICES, weights=office_weights)[0]
        else:
            office = next(o for o in OFFICES if o[0] == manager["location"])
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        number = len(people) + 1
        languages = ["en"] if rng.random() < 0.93 else []
        languages += [t for t in office[2] if rng.random() < 0.7]
        if not languages:
            languages = list(office[2][:1]) or ["en"]
        if rng.random() < 0.15:
            languages.append(rng.choice(["fr", "es", "de", "it"]))
        person = {
            "employee_id": f"E{number:06d}",
            "manager_id": None if manager is None else manager["employee_id"],
            "level": level,
            "department": department,
            "location": office[0],
            "timezone": office[1],
            "languages": list(dict.fromkeys(languages)),
            "name": f"{first} {last}",
            "email": _work_email(first, last, addresses),
            "locale": _locale(languages, office[2]),
        }
        people.append(person)
        return person

    ceo = add(None, 12, "Executive")
    tiers: list[list[dict]] = [[ceo], [add(ceo, 11, d) for d in DEPARTMENTS]]
    remaining = employees - len(people)
    for depth, (share, levels) in enumerate(TIERS[2:], start=2):
        size = remaining if depth == len(TIERS) - 1 else max(1, round(share * employees))
        size = min(size, employees - len(people))
        current: list[dict] = []
        for _ in range(size):
            # most report one tier up; a few skip a tier, so branches are 5-7 levels deep
            source = tiers[-2] if depth >= 4 and rng.random() < 0.08 else tiers[-1]
            manager = rng.choice(source)
            current.append(add(manager, rng.choice(levels), manager["department"]))
        tiers.append(current)
    return Organisation(seed=seed, employees=people)


def _work_email(first: str, last: str, taken: Counter[str]) -> str:
    """``first.last@example.com``; namesakes get a number (``ana.silva2@…``). example.com only: a demo
    address must never reach a real mailbox."""
    local = f"{first.lower()}.{last.lower()}"
    taken[local] += 1
    return f"{local}{taken[local] if taken[local] > 1 else ''}@example.com"


def _locale(languages: list[str], office_languages: tuple[str, ...]) -> str:
    """The office's language when the person speaks it, else English (no random draw: the organisation
    of a seed stays what it was before locales existed)."""
    return next((tag for tag in office_languages if tag in languages), "en")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _availability(rng: random.Random) -> list[dict[str, Any]]:
    windows = []
    for day in sorted(rng.sample(range(5), rng.randint(2, 4))):
        start = rng.choice(range(16, 34))  # half hours: 08:00 .. 16:30
        length = rng.choice((3, 4, 4, 6, 8))
        end = min(start + length, 38)
        windows.append({"day": day, "start": f"{start // 2:02d}:{start % 2 * 30:02d}",
                        "end": f"{end // 2:02d}:{end % 2 * 30:02d}"})  # fmt: skip
    return windows


def generate_cohort(
    org: Organisation,
    program_id: str,
    leaders: int,
    juniors: int,
    seed: int = 7,
    capacity_two_share: float = 0.15,
    leader_min_level: int = LEADER_MIN_LEVEL,
) -> list[dict[str, Any]]:
    """Participant payloads (docs/contracts.md shape): senior leaders and junior mentors of the org. A lower
    ``leader_min_level`` lets a big cohort (the e2e bench's 2,500 leaders of 10,000 people) take leaders
    from further down the tree."""
    rng = random.Random(f"{seed}:{program_id}")
    seniors = [e for e in org.employees if e["level"] >= leader_min_level and e["level"] < 12]
    young = [e for e in org.employees if e["level"] <= JUNIOR_MAX_LEVEL]
    if leaders > len(seniors) or juniors > len(young):
        raise ValueError(f"the organisation has {len(seniors)} senior and {len(young)} junior employees")
    focus = list(FOCUS_AREAS)
    goals = list(GROWTH_GOALS)
    out = []
    for role, pool, count in (("leader", seniors, leaders), ("junior", young, juniors)):
        for employee in sorted(rng.sample(pool, count), key=lambda e: e["employee_id"]):
            consent = rng.random() >= 0.02
            leader = role == "leader"
            out.append(
                {
                    "participant_id": _uuid(rng),
                    "program_id": program_id,
                    "employee_id": employee["employee_id"],
                    "role": role,
                    "level": employee["level"],
                    "department": employee["department"],
                    "location": employee["location"],
                    "timezone": employee["timezone"],
                    "languages": list(employee["languages"]),
                    "topics_to_learn": rng.sample(focus, rng.randint(1, 3)) if leader else [],
                    "topics_to_teach": [] if leader else rng.sample(focus, rng.randint(2, 4)),
                    "growth_goals": [] if leader else rng.sample(goals, rng.randint(1, 3)),
                    "strengths": rng.sample(goals, rng.randint(2, 3)) if leader else [],
                    "availability": _availability(rng),
                    "capacity": 1 if leader else (2 if rng.random() < capacity_two_share else 1),
                    "manager_id": employee["manager_id"],
                    "consent": {"matching": consent, "data_processing": consent},
                    "status": "enrolled",
                }
            )
    return out


def demo_program(program_id: str) -> dict[str, Any]:
    """A program payload (docs/contracts.md shape) matching the demo cohorts."""
    return {
        "program_id": program_id,
        "name": "Global Reverse Mentoring 2027",
        "status": "matching",
        "focus_areas": [
            "digital-transformation",
            "social-media-influencer-marketing",
            "gen-z-consumer-trends",
            "ai-tools",
        ],
        "custom_focus_areas": [],
        "starts_on": "2027-01-10",
        "ends_on": "2027-06-30",
        "admins": ["E000001"],
        "rules": {
            "min_seniority_gap": 3,
            "min_timezone_overlap_hours": 2.0,
            "languages": [],
            "junior_capacity_default": 1,
            "weights": dict(DEFAULT_WEIGHTS),
        },
    }

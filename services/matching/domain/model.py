"""Value objects of the matching engine: participants, program rules, weights and exclusions."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from shared.vocabulary import DEFAULT_WEIGHTS

COMPONENTS = tuple(DEFAULT_WEIGHTS)  # the score components, named as the program's weights
CONSTRAINTS = (
    "role",
    "consent",
    "status",
    "capacity",
    "reporting_chain",
    "seniority_gap",
    "shared_language",
    "availability_overlap",
    "exclusion",
)
COMMON_SLOT = "common_slot"  # checked only when the program sets min_common_slot_minutes
EXCLUSION_REASONS = ("previous_pair", "declined", "conflict")
DEFAULT_REFERENCE_DATE = date(2027, 1, 11)


@functools.lru_cache(maxsize=4096)
def _minutes(hhmm: str) -> int:
    """Minutes since local midnight for ``HH:MM`` (``24:00`` allowed as an end of day); cached: a cohort
    repeats the same few times of day tens of thousands of times."""
    hours, _, minutes = str(hhmm).partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value <= 1440 or not 0 <= int(minutes or 0) < 60:
        raise ValueError(f"not a time of day: {hhmm!r}")
    return value


@dataclass(frozen=True, slots=True)
class Window:
    """A weekly availability window in the participant's local time (day 0 = Monday).

    ``end <= start`` means the window runs past local midnight into the next day.
    """

    day: int
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.day <= 6:
            raise ValueError(f"day must be 0..6, got {self.day}")
        if self.start == self.end or not (0 <= self.start < 1440 and 0 <= self.end <= 1440):
            raise ValueError(f"empty or invalid window {self.start}-{self.end}")

    @classmethod
    def from_payload(cls, window: Mapping[str, Any]) -> Window:
        return _window(window["day"], window["start"], window["end"])

    @property
    def minutes(self) -> int:
        return (self.end - self.start) % 1440 or 1440


@functools.lru_cache(maxsize=4096)
def _window(day: Any, start: str, end: str) -> Window:
    """Windows are immutable and a cohort repeats the same few thousands of times: built once each."""
    return Window(int(day), _minutes(start), _minutes(end))


def _tags(values: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(v) for v in (values or ())))


@dataclass(frozen=True, slots=True)
class Participant:
    """A leader (mentee) or junior (mentor) enrolled in one program, as the projection holds them."""

    participant_id: str
    employee_id: str
    role: str
    level: int
    department: str = ""
    location: str = ""
    timezone: str = "UTC"
    languages: tuple[str, ...] = ()
    topics_to_learn: tuple[str, ...] = ()
    topics_to_teach: tuple[str, ...] = ()
    growth_goals: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    availability: tuple[Window, ...] = ()
    capacity: int | None = None
    manager_id: str | None = None
    consent_matching: bool = True
    consent_data_processing: bool = True
    status: str = "enrolled"

    def __post_init__(self) -> None:
        if self.role not in ("leader", "junior"):
            raise ValueError(f"role must be leader or junior, got {self.role!r}")

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Participant:
        """Build from the participant payload of docs/contracts.md."""
        consent = payload.get("consent") or {}
        capacity = payload.get("capacity")
        return cls(
            participant_id=str(payload["participant_id"]),
            employee_id=str(payload["employee_id"]),
            role=str(payload["role"]),
            level=int(payload["level"]),
            department=str(payload.get("department") or ""),
            location=str(payload.get("location") or ""),
            timezone=str(payload.get("timezone") or "UTC"),
            languages=_tags(payload.get("languages")),
            topics_to_learn=_tags(payload.get("topics_to_learn")),
            topics_to_teach=_tags(payload.get("topics_to_teach")),
            growth_goals=_tags(payload.get("growth_goals")),
            strengths=_tags(payload.get("strengths")),
            availability=tuple(Window.from_payload(w) for w in payload.get("availability") or ()),
            capacity=None if capacity is None else int(capacity),
            manager_id=payload.get("manager_id"),
            consent_matching=bool(consent.get("matching", False)),
            consent_data_processing=bool(consent.get("data_processing", False)),
            status=str(payload.get("status") or "enrolled"),
        )

    @property
    def consented(self) -> bool:
        return self.consent_matching and self.consent_data_processing


@dataclass(frozen=True, slots=True)
class Weights:
    """Per-program weights of the score components; validated non-negative and normalised to sum 1."""

    topic_fit: float = DEFAULT_WEIGHTS["topic_fit"]
    reverse_fit: float = DEFAULT_WEIGHTS["reverse_fit"]
    availability: float = DEFAULT_WEIGHTS["availability"]
    language: float = DEFAULT_WEIGHTS["language"]
    focus: float = DEFAULT_WEIGHTS["focus"]
    diversity: float = DEFAULT_WEIGHTS["diversity"]

    def __post_init__(self) -> None:
        values = [float(getattr(self, f.name)) for f in fields(self)]
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError(f"weights must be finite and non-negative: {values}")
        total = math.fsum(values)
        if total <= 0:
            raise ValueError("at least one weight must be positive")
        for f, v in zip(fields(self), values, strict=True):
            object.__setattr__(self, f.name, v / total)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, float] | None, base: Weights | None = None) -> Weights:
        """Weights from a program's ``rules.weights``; missing names keep ``base`` (or the defaults)."""
        mapping = dict(mapping or {})
        unknown = set(mapping) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"unknown weight names: {sorted(unknown)}")
        merged = (base or cls()).as_dict() | {k: float(v) for k, v in mapping.items()}
        return cls(**merged)

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in COMPONENTS}


@dataclass(frozen=True, slots=True)
class ProgramRules:
    """The program's matching rules: hard-constraint thresholds, weights and focus areas.

    ``reference_date`` picks the week whose real UTC offsets (DST included) convert local availability;
    ``availability_target_hours`` is the weekly overlap at which the availability component saturates.
    ``languages``, when non-empty, restricts the language a pair shares to the program's languages.
    ``min_common_slot_minutes``, when set, asks for one common contiguous slot of that length each week
    (``min_timezone_overlap_hours`` is a weekly total that scattered half-hours can reach).
    """

    min_seniority_gap: int = 3
    min_timezone_overlap_hours: float = 2.0
    languages: tuple[str, ...] = ()
    junior_capacity_default: int = 1
    weights: Weights = Weights()
    focus_areas: tuple[str, ...] = ()
    reference_date: date = DEFAULT_REFERENCE_DATE
    availability_target_hours: float = 4.0
    min_common_slot_minutes: int | None = None

    def __post_init__(self) -> None:
        if self.min_timezone_overlap_hours < 0 or self.availability_target_hours <= 0:
            raise ValueError("overlap hours must be non-negative and the target positive")
        if self.min_common_slot_minutes is not None and not 0 < self.min_common_slot_minutes <= 1440:
            raise ValueError("min_common_slot_minutes must be null or from 1 to 1440 minutes")
        if self.junior_capacity_default < 0:
            raise ValueError("junior_capacity_default must be non-negative")

    @classmethod
    def from_program(
        cls, program: Mapping[str, Any], weight_overrides: Mapping[str, float] | None = None
    ) -> ProgramRules:
        """Rules from the program payload of docs/contracts.md, with optional per-run weight overrides."""
        rules = program.get("rules") or {}
        weights = Weights.from_mapping(rules.get("weights"))
        if weight_overrides:
            weights = Weights.from_mapping(weight_overrides, base=weights)
        starts_on = program.get("starts_on")
        slot = rules.get("min_common_slot_minutes")
        return cls(
            min_seniority_gap=int(rules.get("min_seniority_gap", 3)),
            min_timezone_overlap_hours=float(rules.get("min_timezone_overlap_hours", 2.0)),
            languages=_tags(rules.get("languages")),
            junior_capacity_default=int(rules.get("junior_capacity_default", 1)),
            weights=weights,
            focus_areas=_tags(
                list(program.get("focus_areas") or []) + list(program.get("custom_focus_areas") or [])
            ),
            reference_date=date.fromisoformat(starts_on) if starts_on else DEFAULT_REFERENCE_DATE,
            min_common_slot_minutes=None if slot is None else int(slot),
        )


def constraints_checked(rules: ProgramRules) -> tuple[str, ...]:
    """The hard constraints a pair of this program is checked against, in the order they are reported."""
    return (*CONSTRAINTS, COMMON_SLOT) if rules.min_common_slot_minutes is not None else CONSTRAINTS


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A pair that must not be proposed: an earlier pairing, a declined pairing or an admin conflict."""

    leader_employee_id: str
    junior_employee_id: str
    reason: str = "conflict"
    detail: str = ""

    def __post_init__(self) -> None:
        if self.reason not in EXCLUSION_REASONS:
            raise ValueError(f"exclusion reason must be one of {EXCLUSION_REASONS}")

"""The Program aggregate (``program``: what a program is about, its admins and lifecycle) and its matching
rules (``rules``)."""

from services.intake.domain.programs.program import (
    ALLOWED_TRANSITIONS,
    CLOSED,
    DRAFT,
    ENROLLING,
    MATCHING,
    MAX_ADMINS,
    MAX_CUSTOM_AREAS,
    MAX_NAME,
    RUNNING,
    STATUSES,
    UPDATABLE,
    Program,
)
from services.intake.domain.programs.rules import (
    COMMON_SLOT_MINUTES,
    MAX_SENIORITY_GAP,
    MAX_TIMEZONE_OVERLAP_HOURS,
    RULE_KEYS,
    WEIGHT_KEYS,
    ProgramRules,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CLOSED",
    "COMMON_SLOT_MINUTES",
    "DRAFT",
    "ENROLLING",
    "MATCHING",
    "MAX_ADMINS",
    "MAX_CUSTOM_AREAS",
    "MAX_NAME",
    "MAX_SENIORITY_GAP",
    "MAX_TIMEZONE_OVERLAP_HOURS",
    "RULE_KEYS",
    "RUNNING",
    "STATUSES",
    "UPDATABLE",
    "WEIGHT_KEYS",
    "Program",
    "ProgramRules",
]

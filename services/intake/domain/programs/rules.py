"""A program's matching rules: hard constraints and the weights of the score components, each checked with
the message the API and the importer repeat."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.intake.domain.errors import InvalidInput, InvalidValue
from services.intake.domain.validation import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    LEVEL_MAX,
    LEVEL_MIN,
    check_capacity,
    check_languages,
)
from shared.vocabulary import DEFAULT_WEIGHTS

WEIGHT_KEYS = tuple(DEFAULT_WEIGHTS)
MAX_TIMEZONE_OVERLAP_HOURS = 40.0
MAX_SENIORITY_GAP = LEVEL_MAX - LEVEL_MIN
COMMON_SLOT_MINUTES = (15, 480)  # one session: a quarter of an hour to a working day
RULE_KEYS = (
    "min_seniority_gap",
    "min_timezone_overlap_hours",
    "languages",
    "junior_capacity_default",
    "weights",
    "min_common_slot_minutes",
)


@dataclass(frozen=True)
class ProgramRules:
    """How matching treats this program: hard constraints and the weights of the score components."""

    min_seniority_gap: int = 3
    min_timezone_overlap_hours: float = 2.0
    # empty: any language both speak counts (listing languages restricts the shared one to them)
    languages: tuple[str, ...] = ()
    junior_capacity_default: int = 1
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    min_common_slot_minutes: int | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None, base: ProgramRules | None = None) -> ProgramRules:
        """Rules from a (partial) mapping laid over ``base``; each bad rule reported as ``rules.<key>``."""
        base = base or cls()
        raw = raw or {}
        errors: dict[str, list[str]] = {}
        if not isinstance(raw, Mapping):
            raise InvalidInput({"rules": [f"rules must be an object, got {raw!r}"]})
        for key in raw:
            if key not in RULE_KEYS:
                errors[f"rules.{key}"] = [f"unknown rule; expected one of {', '.join(RULE_KEYS)}"]
        values: dict[str, Any] = {}
        checks = {
            "min_seniority_gap": _check_gap,
            "min_timezone_overlap_hours": _check_overlap,
            "languages": check_languages,
            "junior_capacity_default": _check_capacity_default,
            "weights": lambda value: _check_weights(value, base.weights),
            "min_common_slot_minutes": _check_common_slot,
        }
        for key, check in checks.items():
            if key not in raw:
                continue
            try:
                values[key] = check(raw[key])
            except InvalidValue as error:
                errors[f"rules.{key}"] = [str(error)]
        if errors:
            raise InvalidInput(errors)
        if "languages" in values:
            values["languages"] = tuple(values["languages"])
        return dataclasses.replace(base, **values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_seniority_gap": self.min_seniority_gap,
            "min_timezone_overlap_hours": self.min_timezone_overlap_hours,
            "languages": list(self.languages),
            "junior_capacity_default": self.junior_capacity_default,
            "weights": {key: float(self.weights.get(key, DEFAULT_WEIGHTS[key])) for key in WEIGHT_KEYS},
            "min_common_slot_minutes": self.min_common_slot_minutes,
        }


def _check_gap(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SENIORITY_GAP:
        raise InvalidValue(
            f"min_seniority_gap must be a whole number from 0 to {MAX_SENIORITY_GAP}, got {value!r}"
        )
    return value


def _check_overlap(value: Any) -> float:
    number = _number(value)
    if number is None or not 0 <= number <= MAX_TIMEZONE_OVERLAP_HOURS:
        raise InvalidValue(
            f"min_timezone_overlap_hours must be a number of hours from 0 to {MAX_TIMEZONE_OVERLAP_HOURS:g}, "
            f"got {value!r}"
        )
    return float(number)


def _check_common_slot(value: Any) -> int | None:
    """Off (null) or one session's length: a pair needs a common slot that long each week."""
    low, high = COMMON_SLOT_MINUTES
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidValue(
            f"min_common_slot_minutes must be null or a whole number of minutes from {low} to {high}, "
            f"got {value!r}"
        )
    return value


def _check_capacity_default(value: Any) -> int:
    try:
        return check_capacity(value)
    except InvalidValue:
        raise InvalidValue(
            f"junior_capacity_default must be a whole number from {CAPACITY_MIN} to {CAPACITY_MAX}, "
            f"got {value!r}"
        ) from None


def _check_weights(value: Any, base: Mapping[str, float]) -> dict[str, float]:
    """Weights from 0 to 1 over the known components laid over ``base``: a name left out keeps the value
    beneath it (the default on create, the current value on update), as everywhere else; after that at
    least one must be above 0 (matching normalises them to sum 1)."""
    if not isinstance(value, Mapping):
        raise InvalidValue(f"weights must be an object keyed by {', '.join(WEIGHT_KEYS)}, got {value!r}")
    unknown = [key for key in value if key not in WEIGHT_KEYS]
    if unknown:
        raise InvalidValue(
            f"unknown weights {', '.join(map(repr, unknown))}; expected keys from {', '.join(WEIGHT_KEYS)}"
        )
    weights: dict[str, float] = {}
    for key in WEIGHT_KEYS:
        number = _number(value.get(key, base.get(key, DEFAULT_WEIGHTS[key])))
        if number is None or not 0 <= number <= 1:
            raise InvalidValue(f"weight {key!r} must be a number from 0 to 1, got {value.get(key)!r}")
        weights[key] = float(number)
    if not any(weights.values()):
        raise InvalidValue("at least one weight must be greater than 0")
    return weights


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value

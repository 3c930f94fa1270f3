"""What a participant tells intake: roles and statuses, the profile fields, consent, and ``clean_profile``,
which checks a profile against its program with the messages the API and the importer repeat."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from services.intake.domain.errors import InvalidInput, InvalidValue
from services.intake.domain.participants.contact import CONTACT_FIELDS
from services.intake.domain.programs import Program
from services.intake.domain.validation import (
    check_availability,
    check_capacity,
    check_employee_id,
    check_growth_goals,
    check_languages,
    check_level,
    check_text,
    check_timezone,
    check_topics,
)
from shared.vocabulary import ROLES

LEADER, JUNIOR = "leader", "junior"
ENROLLED, WITHDRAWN, ERASED = "enrolled", "withdrawn", "erased"
STATUSES = (ENROLLED, WITHDRAWN, ERASED)

# What a participant (or HR) may change after enrolment; identity (employee_id, role, program) never changes.
PROFILE_FIELDS = (
    "level",
    "department",
    "location",
    "timezone",
    "languages",
    "topics_to_learn",
    "topics_to_teach",
    "growth_goals",
    "strengths",
    "availability",
    "capacity",
    "manager_id",
)
IDENTITY_FIELDS = ("employee_id", "role")
REGISTRATION_FIELDS = (*IDENTITY_FIELDS, *CONTACT_FIELDS, *PROFILE_FIELDS, "consent")
REQUIRED_FIELDS = ("employee_id", "role", "level", "timezone", "languages")
CONSENT_WITHDRAWN_REASON = "consent-withdrawn"
MAX_REASON = 500


@dataclass(frozen=True)
class Consent:
    """What the participant agreed to: being matched, and their data being processed at all."""

    matching: bool
    data_processing: bool

    def to_dict(self) -> dict[str, bool]:
        return {"matching": self.matching, "data_processing": self.data_processing}


def check_consent(value: Any) -> Consent:
    if not isinstance(value, Mapping) or set(value) - {"matching", "data_processing"}:
        raise InvalidValue(f"consent must be an object with matching and data_processing, got {value!r}")
    flags = {key: value.get(key) for key in ("matching", "data_processing")}
    not_bool = [key for key, flag in flags.items() if not isinstance(flag, bool)]
    if not_bool:
        raise InvalidValue(f"consent.{not_bool[0]} must be true or false")
    missing = [key for key, flag in flags.items() if not flag]
    if missing:
        raise InvalidValue(
            f"enrolment needs consent to {' and '.join(m.replace('_', ' ') for m in missing)}; "
            "without it intake cannot keep or match this person"
        )
    return Consent(matching=True, data_processing=True)


def clean_profile(raw: Mapping[str, Any], program: Program) -> dict[str, Any]:
    """Validate identity + profile fields against the program; every bad field reported at once.

    ``raw`` holds ``employee_id``, ``role`` and any of ``PROFILE_FIELDS`` (absent optional ones take their
    defaults). Shared by registration, update and the CSV importer so every entry path says the same.
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    def run(name: str, check: Any, *args: Any) -> None:
        try:
            clean[name] = check(raw.get(name), *args)
        except InvalidValue as error:
            errors[name] = [str(error)]

    for name in REQUIRED_FIELDS:
        if raw.get(name) is None:
            errors[name] = ["is required"]
    role = raw.get("role")
    if role is not None and role not in ROLES:
        errors["role"] = [f"role must be one of {', '.join(ROLES)}, got {role!r}"]
    if "employee_id" not in errors:
        run("employee_id", check_employee_id)
    if "role" not in errors:
        clean["role"] = role
    if "level" not in errors:
        run("level", check_level)
    if "timezone" not in errors:
        run("timezone", check_timezone)
    if "languages" not in errors:
        run("languages", check_languages)
    run("department", check_text, "department")
    run("location", check_text, "location")
    run("topics_to_learn", check_topics, program.custom_areas)
    run("topics_to_teach", check_topics, program.custom_areas)
    run("growth_goals", check_growth_goals, "growth goals")
    run("strengths", check_growth_goals, "strengths")
    run("availability", check_availability)

    manager_id = raw.get("manager_id")
    if manager_id is None or manager_id == "":
        clean["manager_id"] = None
    else:
        run("manager_id", check_employee_id, "manager id")
        if clean.get("manager_id") is not None and clean["manager_id"] == clean.get("employee_id"):
            errors["manager_id"] = ["an employee cannot be their own manager"]

    capacity = raw.get("capacity")
    if role == LEADER:
        clean["capacity"] = None
        if capacity is not None:
            errors["capacity"] = ["capacity applies to juniors only; leave it empty for a leader"]
        if "topics_to_learn" in clean and not clean["topics_to_learn"]:
            errors["topics_to_learn"] = ["a leader needs at least one topic to learn"]
    elif role == JUNIOR:
        if capacity is None:
            clean["capacity"] = program.rules.junior_capacity_default
        else:
            run("capacity", check_capacity)
        if "topics_to_teach" in clean and not clean["topics_to_teach"]:
            errors["topics_to_teach"] = ["a junior needs at least one topic to teach"]
    if errors:
        raise InvalidInput(errors)
    return clean


def checked(errors: dict[str, list[str]], check: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run a field collector; its errors join ``errors`` so every bad field is reported at once."""
    try:
        return check(*args)
    except InvalidInput as error:
        merged = {**error.errors, **errors}
        errors.clear()
        errors.update(merged)
        return {}

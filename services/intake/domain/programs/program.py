"""The Program aggregate: what a reverse-mentoring program is about, who administers it and its lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.intake.domain.errors import Conflict, InvalidInput, InvalidTransition, InvalidValue
from services.intake.domain.events import DomainEvent, ProgramCreated, ProgramStatusChanged, ProgramUpdated
from services.intake.domain.programs.rules import ProgramRules
from services.intake.domain.validation import (
    check_custom_area,
    check_employee_id,
    check_terms,
    check_text,
)
from shared.vocabulary import CUSTOM_AREA_PREFIX, FOCUS_AREAS

DRAFT, ENROLLING, MATCHING, RUNNING, CLOSED = "draft", "enrolling", "matching", "running", "closed"
STATUSES = (DRAFT, ENROLLING, MATCHING, RUNNING, CLOSED)

# Forward along draft → enrolling → matching → running → closed; matching may reopen enrolment (late
# joiners after a dry run), and a program that has not started running can be closed (cancelled).
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    DRAFT: (ENROLLING, CLOSED),
    ENROLLING: (MATCHING, CLOSED),
    MATCHING: (RUNNING, ENROLLING, CLOSED),
    RUNNING: (CLOSED,),
    CLOSED: (),
}

MAX_NAME = 200
MAX_ADMINS = 50
MAX_CUSTOM_AREAS = 20
UPDATABLE = ("name", "focus_areas", "custom_focus_areas", "starts_on", "ends_on", "admins", "rules")


def _check_date(value: Any, what: str) -> date:
    if isinstance(value, datetime):
        raise InvalidValue(f"{what} must be a calendar date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidValue(f"{what} must be a calendar date (YYYY-MM-DD), got {value!r}")


def _check_name(value: Any) -> str:
    name = check_text(value, "name", max_length=MAX_NAME) if isinstance(value, str) else None
    if not name:
        raise InvalidValue(f"name must be 1-{MAX_NAME} characters of text, got {value!r}")
    return name


def _check_focus_areas(value: Any) -> list[str]:
    if isinstance(value, list | tuple) and any(
        isinstance(v, str) and v.startswith(CUSTOM_AREA_PREFIX) for v in value
    ):
        raise InvalidValue(f"put '{CUSTOM_AREA_PREFIX}<slug>' areas in custom_focus_areas, not focus_areas")
    return check_terms(value, FOCUS_AREAS, "focus areas")


def _check_custom_areas(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise InvalidValue(f"custom_focus_areas must be a list, got {value!r}")
    if len(value) > MAX_CUSTOM_AREAS:
        raise InvalidValue(f"at most {MAX_CUSTOM_AREAS} custom focus areas, got {len(value)}")
    return list(dict.fromkeys(check_custom_area(item) for item in value))


def _check_admins(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidValue("a program needs at least one admin (a list of employee ids)")
    if len(value) > MAX_ADMINS:
        raise InvalidValue(f"at most {MAX_ADMINS} admins, got {len(value)}")
    return list(dict.fromkeys(check_employee_id(admin, "admin employee id") for admin in value))


@dataclass
class Program:
    """A cohort of leaders and juniors with its focus, rules, admins, dates and lifecycle status."""

    program_id: str
    name: str
    focus_areas: list[str]
    custom_focus_areas: list[str]
    starts_on: date
    ends_on: date
    admins: list[str]
    rules: ProgramRules
    status: str = DRAFT
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    personal_data_purged_at: datetime | None = None

    @classmethod
    def create(
        cls,
        program_id: str,
        *,
        name: Any,
        focus_areas: Any,
        starts_on: Any,
        ends_on: Any,
        admins: Any,
        custom_focus_areas: Any = (),
        rules: Mapping[str, Any] | None = None,
        now: datetime,
    ) -> tuple[Program, list[DomainEvent]]:
        """A new program in ``draft``; every invalid field is reported at once."""
        values = _validated(
            {
                "name": name,
                "focus_areas": focus_areas,
                "custom_focus_areas": custom_focus_areas,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "admins": admins,
            },
            rules,
            ProgramRules(),
        )
        program = cls(program_id=program_id, **values, created_at=now, updated_at=now)
        return program, [ProgramCreated(key=program_id, data=program.payload())]

    @property
    def custom_areas(self) -> frozenset[str]:
        return frozenset(self.custom_focus_areas)

    @property
    def accepts_participants(self) -> bool:
        return self.status != CLOSED

    def is_admin(self, employee_id: str) -> bool:
        return employee_id in self.admins

    def update(self, changes: Mapping[str, Any], *, now: datetime) -> list[DomainEvent]:
        """Apply a partial change (``rules`` merge key by key); ``ProgramUpdated`` only on a real change."""
        if self.status == CLOSED:
            raise Conflict("a closed program cannot be changed")
        unknown = [key for key in changes if key not in UPDATABLE]
        if unknown:
            raise InvalidInput(
                {
                    key: [f"cannot be changed here; updatable fields: {', '.join(UPDATABLE)}"]
                    for key in unknown
                }
            )
        current = {key: getattr(self, key) for key in UPDATABLE if key != "rules"}
        merged = {**current, **{key: value for key, value in changes.items() if key != "rules"}}
        values = _validated(merged, changes.get("rules"), self.rules)
        if all(getattr(self, key) == value for key, value in values.items()):
            return []
        for key, value in values.items():
            setattr(self, key, value)
        self.updated_at = now
        return [ProgramUpdated(key=self.program_id, data=self.payload())]

    def transition(self, to: str, *, now: datetime) -> list[DomainEvent]:
        """Move along the lifecycle; moves not in ``ALLOWED_TRANSITIONS`` raise ``InvalidTransition``."""
        if to not in STATUSES:
            raise InvalidInput({"status": [f"unknown status {to!r}; expected one of {', '.join(STATUSES)}"]})
        allowed = ALLOWED_TRANSITIONS[self.status]
        if to not in allowed:
            raise InvalidTransition(self.status, to, allowed)
        self.status = to
        self.updated_at = now
        if to == CLOSED:
            self.closed_at = now
        return [ProgramStatusChanged(key=self.program_id, data=self.payload())]

    def mark_personal_data_purged(self, *, now: datetime) -> None:
        """Record that retention erased this closed program's participants (so it is not purged twice)."""
        if self.status != CLOSED:
            raise Conflict("only a closed program's personal data can be purged")
        self.personal_data_purged_at = now

    def payload(self) -> dict[str, Any]:
        """The event payload (contracts.md, Program): JSON-ready."""
        return {
            "program_id": self.program_id,
            "name": self.name,
            "status": self.status,
            "focus_areas": list(self.focus_areas),
            "custom_focus_areas": list(self.custom_focus_areas),
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "admins": list(self.admins),
            "rules": self.rules.to_dict(),
        }

    def to_record(self) -> dict[str, Any]:
        """The payload plus the bookkeeping timestamps, for a repository to store."""
        return {
            **self.payload(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "closed_at": self.closed_at,
            "personal_data_purged_at": self.personal_data_purged_at,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Program:
        """Rebuild from ``to_record()`` output (trusted: it was validated when written)."""
        rules = dict(record["rules"])
        rules["languages"] = tuple(rules.get("languages", ()))
        return cls(
            program_id=record["program_id"],
            name=record["name"],
            status=record["status"],
            focus_areas=list(record["focus_areas"]),
            custom_focus_areas=list(record.get("custom_focus_areas", [])),
            starts_on=_check_date(record["starts_on"], "starts_on"),
            ends_on=_check_date(record["ends_on"], "ends_on"),
            admins=list(record["admins"]),
            rules=ProgramRules(**rules),
            created_at=record.get("created_at"),
            updated_at=record.get("updated_at"),
            closed_at=record.get("closed_at"),
            personal_data_purged_at=record.get("personal_data_purged_at"),
        )


def _validated(
    raw: Mapping[str, Any], rules: Mapping[str, Any] | None, base_rules: ProgramRules
) -> dict[str, Any]:
    checks = {
        "name": _check_name,
        "focus_areas": _check_focus_areas,
        "custom_focus_areas": _check_custom_areas,
        "starts_on": lambda v: _check_date(v, "starts_on"),
        "ends_on": lambda v: _check_date(v, "ends_on"),
        "admins": _check_admins,
    }
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, check in checks.items():
        try:
            values[key] = check(raw.get(key))
        except InvalidValue as error:
            errors[key] = [str(error)]
    try:
        values["rules"] = ProgramRules.from_mapping(rules, base_rules)
    except InvalidInput as error:
        errors.update(error.errors)
    if values.get("focus_areas") == [] and values.get("custom_focus_areas") == []:
        errors["focus_areas"] = ["a program needs at least one focus area (curated or custom)"]
    if "starts_on" in values and "ends_on" in values and values["ends_on"] <= values["starts_on"]:
        errors["ends_on"] = [f"ends_on ({values['ends_on']}) must be after starts_on ({values['starts_on']})"]
    if errors:
        raise InvalidInput(errors)
    return values

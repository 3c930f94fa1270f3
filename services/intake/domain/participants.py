"""The Participant aggregate: a leader or junior in one program: profile, consent, erasure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.vocabulary import ROLES

from .errors import Conflict, InvalidInput, InvalidValue
from .events import (
    DomainEvent,
    ParticipantErased,
    ParticipantRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
)
from .programs import Program
from .validation import (
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
REGISTRATION_FIELDS = (*IDENTITY_FIELDS, *PROFILE_FIELDS, "consent")
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


def _check_consent(value: Any) -> Consent:
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


@dataclass
class Participant:
    """One person's enrolment in one program; erasure keeps only ``participant_id``, ``program_id``."""

    participant_id: str
    program_id: str
    employee_id: str | None
    role: str | None
    level: int | None = None
    department: str | None = None
    location: str | None = None
    timezone: str | None = None
    languages: list[str] = field(default_factory=list)
    topics_to_learn: list[str] = field(default_factory=list)
    topics_to_teach: list[str] = field(default_factory=list)
    growth_goals: list[str] = field(default_factory=list)
    strengths: list[str] = field(default_factory=list)
    availability: list[dict[str, Any]] = field(default_factory=list)
    capacity: int | None = None
    manager_id: str | None = None
    consent: Consent | None = None
    status: str = ENROLLED
    withdrawal_reason: str | None = None
    registered_at: datetime | None = None
    updated_at: datetime | None = None
    erased_at: datetime | None = None

    @classmethod
    def register(
        cls, program: Program, participant_id: str, values: Mapping[str, Any], *, now: datetime
    ) -> tuple[Participant, list[DomainEvent]]:
        """Enrol a leader or junior; refuses unknown fields, missing consent, and closed programs."""
        if not program.accepts_participants:
            raise Conflict(f"program {program.program_id} is closed and takes no new participants")
        errors: dict[str, list[str]] = {
            key: [f"unknown field; expected one of {', '.join(REGISTRATION_FIELDS)}"]
            for key in values
            if key not in REGISTRATION_FIELDS
        }
        try:
            consent = _check_consent(values.get("consent"))
        except InvalidValue as error:
            errors["consent"] = [str(error)]
        try:
            profile = clean_profile(values, program)
        except InvalidInput as error:
            errors = {**error.errors, **errors}
        if errors:
            raise InvalidInput(errors)
        participant = cls(
            participant_id=participant_id,
            program_id=program.program_id,
            **profile,
            consent=consent,
            registered_at=now,
            updated_at=now,
        )
        return participant, [ParticipantRegistered(key=participant_id, data=participant.payload())]

    @property
    def is_erased(self) -> bool:
        return self.status == ERASED

    def profile(self) -> dict[str, Any]:
        """Identity and profile fields as plain values (what ``clean_profile`` returns)."""
        return {name: getattr(self, name) for name in (*IDENTITY_FIELDS, *PROFILE_FIELDS)}

    def update(self, changes: Mapping[str, Any], program: Program, *, now: datetime) -> list[DomainEvent]:
        """Change profile fields; all-or-nothing; ``ParticipantUpdated`` only when a value changed."""
        self._refuse_if_erased()
        if not program.accepts_participants:
            raise Conflict(f"program {program.program_id} is closed; its participants cannot change")
        errors: dict[str, list[str]] = {}
        for key in changes:
            if key in IDENTITY_FIELDS or key == "program_id":
                errors[key] = ["cannot be changed; withdraw and enrol again instead"]
            elif key == "consent":
                errors[key] = ["consent changes go through the consent endpoint"]
            elif key not in PROFILE_FIELDS:
                errors[key] = [f"unknown field; expected one of {', '.join(PROFILE_FIELDS)}"]
        if errors:
            raise InvalidInput(errors)
        merged = {**self.profile(), **changes}
        clean = clean_profile(merged, program)
        if all(getattr(self, name) == value for name, value in clean.items()):
            return []
        for name, value in clean.items():
            setattr(self, name, value)
        self.updated_at = now
        return [ParticipantUpdated(key=self.participant_id, data=self.payload())]

    def withdraw(self, reason: str | None = None, *, now: datetime) -> list[DomainEvent]:
        """Leave the program (matching drops them); the profile is kept so they can re-enrol."""
        self._refuse_if_erased()
        if self.status == WITHDRAWN:
            raise Conflict("participant is already withdrawn")
        try:
            reason = check_text(reason, "reason", max_length=MAX_REASON)
        except InvalidValue as error:
            raise InvalidInput({"reason": [str(error)]}) from None
        self.status = WITHDRAWN
        self.withdrawal_reason = reason
        self.updated_at = now
        return [self._withdrawn_event()]

    def reenrol(self, program: Program, *, now: datetime) -> list[DomainEvent]:
        """Come back after withdrawing; needs both consents and an open program (``ParticipantUpdated``)."""
        self._refuse_if_erased()
        if self.status == ENROLLED:
            raise Conflict("participant is already enrolled")
        if not program.accepts_participants:
            raise Conflict(f"program {program.program_id} is closed and takes no participants")
        if not (self.consent and self.consent.matching and self.consent.data_processing):
            raise Conflict(
                "re-enrolment needs consent to matching; give it through the consent endpoint first"
            )
        self.status = ENROLLED
        self.withdrawal_reason = None
        self.updated_at = now
        return [ParticipantUpdated(key=self.participant_id, data=self.payload())]

    def update_consent(
        self, *, matching: bool | None = None, data_processing: bool | None = None, now: datetime
    ) -> list[DomainEvent]:
        """No data-processing consent → erasure; no matching consent → withdrawal.

        Giving matching consent back does not re-enrol: that stays an explicit ``reenrol``.
        """
        if data_processing is False:
            return self.erase(now=now)
        self._refuse_if_erased()
        assert self.consent is not None  # every non-erased participant registered with consent
        new = Consent(
            matching=self.consent.matching if matching is None else matching,
            data_processing=self.consent.data_processing,
        )
        if new == self.consent:
            return []
        self.consent = new
        self.updated_at = now
        if not new.matching and self.status == ENROLLED:
            self.status = WITHDRAWN
            self.withdrawal_reason = CONSENT_WITHDRAWN_REASON
            return [self._withdrawn_event()]
        return [ParticipantUpdated(key=self.participant_id, data=self.payload())]

    def erase(self, *, now: datetime) -> list[DomainEvent]:
        """GDPR erasure: drop every personal field, keep only the ids; erasing twice emits nothing."""
        if self.is_erased:
            return []
        for name in (*IDENTITY_FIELDS, *PROFILE_FIELDS, "withdrawal_reason"):
            default = [] if isinstance(getattr(self, name), list) else None
            setattr(self, name, default)
        self.consent = None
        self.status = ERASED
        self.erased_at = self.updated_at = now
        return [
            ParticipantErased(
                key=self.participant_id,
                data={"participant_id": self.participant_id, "program_id": self.program_id},
            )
        ]

    def _withdrawn_event(self) -> ParticipantWithdrawn:
        # Ids and a reason code only: consumers drop the person from matching; the profile and any free-text
        # reason stay in intake (free text may hold personal data and events live on in the log).
        code = CONSENT_WITHDRAWN_REASON if self.withdrawal_reason == CONSENT_WITHDRAWN_REASON else None
        data = {
            "participant_id": self.participant_id,
            "program_id": self.program_id,
            "employee_id": self.employee_id,
            "reason": code,
        }
        return ParticipantWithdrawn(key=self.participant_id, data=data)

    def payload(self) -> dict[str, Any]:
        """The registered/updated event payload (contracts.md, Participant): JSON-ready copies."""
        return {
            "participant_id": self.participant_id,
            "program_id": self.program_id,
            "employee_id": self.employee_id,
            "role": self.role,
            "level": self.level,
            "department": self.department,
            "location": self.location,
            "timezone": self.timezone,
            "languages": list(self.languages),
            "topics_to_learn": list(self.topics_to_learn),
            "topics_to_teach": list(self.topics_to_teach),
            "growth_goals": list(self.growth_goals),
            "strengths": list(self.strengths),
            "availability": [dict(window) for window in self.availability],
            "capacity": self.capacity,
            "manager_id": self.manager_id,
            "consent": self.consent.to_dict() if self.consent else None,
            "status": self.status,
        }

    def to_record(self) -> dict[str, Any]:
        """Payload plus bookkeeping, for a repository to store."""
        return {
            **self.payload(),
            "withdrawal_reason": self.withdrawal_reason,
            "registered_at": self.registered_at,
            "updated_at": self.updated_at,
            "erased_at": self.erased_at,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Participant:
        """Rebuild from ``to_record()`` output (trusted: it was validated when written)."""
        consent = record.get("consent")
        names = {f.name for f in dataclasses.fields(cls)} - {"consent"}
        values = {name: record[name] for name in names if name in record}
        return cls(**values, consent=Consent(**consent) if consent else None)

    def _refuse_if_erased(self) -> None:
        if self.is_erased:
            raise Conflict("participant has been erased")

"""The Participant aggregate: a leader or junior in one program: profile, consent, withdrawal, erasure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.intake.domain.errors import Conflict, InvalidInput, InvalidValue
from services.intake.domain.events import (
    ContactErased,
    ContactUpserted,
    DomainEvent,
    ParticipantErased,
    ParticipantRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
)
from services.intake.domain.participants.contact import CONTACT_FIELDS, clean_contact
from services.intake.domain.participants.profile import (
    CONSENT_WITHDRAWN_REASON,
    ENROLLED,
    ERASED,
    IDENTITY_FIELDS,
    MAX_REASON,
    PROFILE_FIELDS,
    REGISTRATION_FIELDS,
    WITHDRAWN,
    Consent,
    check_consent,
    checked,
    clean_profile,
)
from services.intake.domain.programs import Program
from services.intake.domain.validation import check_text

CHANGEABLE_FIELDS = (*PROFILE_FIELDS, *CONTACT_FIELDS)


@dataclass
class Participant:
    """One person's enrolment in one program; erasure keeps only ``participant_id``, ``program_id``.

    Contact details (``display_name``, ``email``, ``locale``) are kept here and published only on the
    compacted contacts topic (``contact_payload``), never in the participant events (``payload``).
    """

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
    display_name: str | None = None
    email: str | None = None
    locale: str | None = None
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
            consent = check_consent(values.get("consent"))
        except InvalidValue as error:
            errors["consent"] = [str(error)]
        profile = checked(errors, clean_profile, values, program) | checked(errors, clean_contact, values)
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
        events: list[DomainEvent] = [ParticipantRegistered(key=participant_id, data=participant.payload())]
        if participant.has_contact:
            events.append(participant._contact_upserted())
        return participant, events

    @property
    def is_erased(self) -> bool:
        return self.status == ERASED

    @property
    def has_contact(self) -> bool:
        return any(getattr(self, name) is not None for name in CONTACT_FIELDS)

    def contact(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTACT_FIELDS}

    def profile(self) -> dict[str, Any]:
        """Identity and profile fields as plain values (what ``clean_profile`` returns)."""
        return {name: getattr(self, name) for name in (*IDENTITY_FIELDS, *PROFILE_FIELDS)}

    def update(self, changes: Mapping[str, Any], program: Program, *, now: datetime) -> list[DomainEvent]:
        """Change profile and contact fields; all-or-nothing. ``ParticipantUpdated`` only when a profile
        value changed, ``ContactUpserted`` only when a contact detail did (a new level re-publishes no
        e-mail address, a new address tells matching nothing)."""
        self._refuse_if_erased()
        if not program.accepts_participants:
            raise Conflict(f"program {program.program_id} is closed; its participants cannot change")
        errors: dict[str, list[str]] = {}
        for key in changes:
            if key in IDENTITY_FIELDS or key == "program_id":
                errors[key] = ["cannot be changed; withdraw and enrol again instead"]
            elif key == "consent":
                errors[key] = ["consent changes go through the consent endpoint"]
            elif key not in CHANGEABLE_FIELDS:
                errors[key] = [f"unknown field; expected one of {', '.join(CHANGEABLE_FIELDS)}"]
        if errors:
            raise InvalidInput(errors)
        profile_changes = {k: v for k, v in changes.items() if k not in CONTACT_FIELDS}
        profile = checked(errors, clean_profile, {**self.profile(), **profile_changes}, program)
        contact = checked(errors, clean_contact, changes)
        if errors:
            raise InvalidInput(errors)
        events: list[DomainEvent] = []
        if self._apply(profile):
            events.append(ParticipantUpdated(key=self.participant_id, data=self.payload()))
        if self._apply(contact):
            events.append(self._contact_upserted())
        if events:
            self.updated_at = now
        return events

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
        for name in (*IDENTITY_FIELDS, *PROFILE_FIELDS, *CONTACT_FIELDS, "withdrawal_reason"):
            default = [] if isinstance(getattr(self, name), list) else None
            setattr(self, name, default)
        self.consent = None
        self.status = ERASED
        self.erased_at = self.updated_at = now
        ids = {"participant_id": self.participant_id, "program_id": self.program_id}
        # contact.erased always (even with no contact on record): the last record of the key on the
        # compacted topic is then ids only, whatever an earlier upsert or a replayed one carried.
        return [ParticipantErased(key=self.participant_id, data=ids), ContactErased(self.participant_id, ids)]

    def _withdrawn_event(self) -> ParticipantWithdrawn:
        # Ids and a reason code only: consumers drop the person from matching; the profile, the employee id
        # and any free-text reason stay in intake (events live on in the log after an erasure).
        code = CONSENT_WITHDRAWN_REASON if self.withdrawal_reason == CONSENT_WITHDRAWN_REASON else None
        data = {
            "participant_id": self.participant_id,
            "program_id": self.program_id,
            "employee_id": None,
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

    def contact_payload(self) -> dict[str, Any]:
        """The ``contact.upserted`` payload (ContactPayload): ids and how to reach the person."""
        return {
            "participant_id": self.participant_id,
            "program_id": self.program_id,
            "employee_id": self.employee_id,
            **self.contact(),
        }

    def _contact_upserted(self) -> ContactUpserted:
        return ContactUpserted(key=self.participant_id, data=self.contact_payload())

    def to_record(self) -> dict[str, Any]:
        """Payload plus contact details and bookkeeping, for a repository to store."""
        return {
            **self.payload(),
            **self.contact(),
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

    def _apply(self, values: Mapping[str, Any]) -> bool:
        """Set checked values; whether any of them changed."""
        changed = any(getattr(self, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(self, name, value)
        return changed

    def _refuse_if_erased(self) -> None:
        if self.is_erased:
            raise Conflict("participant has been erased")

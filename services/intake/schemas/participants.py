"""Participant bodies (enrol, profile and contact change, withdrawal, consent), list arguments and responses.

Membership of a program's own custom areas needs the program, so the domain checks topics against it; these
schemas check only that a topic looks like a term.
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from services.intake.domain import participants as participant_rules
from services.intake.domain.participants.contact import (
    MAX_DISPLAY_NAME,
    MAX_EMAIL,
    check_display_name,
    check_email,
    check_locale,
)
from services.intake.domain.validation import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    LEVEL_MAX,
    LEVEL_MIN,
    MAX_AVAILABILITY_WINDOWS,
    MAX_TEXT,
    check_availability,
    check_languages,
    check_timezone,
    iana_timezones,
)
from services.intake.schemas.common import (
    LANGUAGE_TAG_DOC,
    domain_check,
    employee_id_field,
    goal_list,
    term_list,
)
from services.intake.schemas.programs import PageArgsSchema
from shared.contracts.payloads import HHMM_PATTERN, ID_LENGTH, LANGUAGE_TAG_PATTERN
from shared.http import PageSchema, StrictSchema
from shared.vocabulary import ROLES


class AvailabilityWindowSchema(StrictSchema):
    """A weekly window local to the participant's timezone; day 0 = Monday."""

    day = fields.Integer(
        strict=True, required=True, validate=validate.Range(0, 6, error="must be 0 (Monday) to 6 (Sunday)")
    )
    start = fields.String(
        required=True, validate=validate.Regexp(HHMM_PATTERN, error="must be HH:MM on a 24-hour clock")
    )
    end = fields.String(
        required=True, validate=validate.Regexp(HHMM_PATTERN, error="must be HH:MM on a 24-hour clock")
    )

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data["start"] >= data["end"]:
            raise ValidationError(f"start {data['start']} must be before end {data['end']}", "end")


class ConsentSchema(StrictSchema):
    matching = fields.Boolean(required=True)
    data_processing = fields.Boolean(required=True)


class _ProfileFields(StrictSchema):
    level = fields.Integer(
        strict=True,
        validate=validate.Range(LEVEL_MIN, LEVEL_MAX, error="must be from {min} (graduate) to {max} (CEO)"),
    )
    department = fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT))
    location = fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT))
    timezone = fields.String(
        validate=[validate.Length(min=1, max=64), domain_check(check_timezone)],
        metadata={"enum": sorted(iana_timezones()), "description": "an IANA time zone name"},
    )
    languages = fields.List(
        fields.String(metadata=LANGUAGE_TAG_DOC),
        validate=[validate.Length(min=1, max=20), domain_check(check_languages)],
    )
    topics_to_learn = term_list()
    topics_to_teach = term_list()
    growth_goals = goal_list()
    strengths = goal_list()
    availability = fields.List(
        fields.Nested(AvailabilityWindowSchema),
        validate=validate.Length(
            max=MAX_AVAILABILITY_WINDOWS, error=f"at most {MAX_AVAILABILITY_WINDOWS} availability windows"
        ),
    )
    capacity = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(CAPACITY_MIN, CAPACITY_MAX, error="must be from {min} to {max}"),
    )
    manager_id = employee_id_field(allow_none=True)
    display_name = fields.String(
        allow_none=True,
        validate=domain_check(check_display_name),
        metadata={
            "maxLength": MAX_DISPLAY_NAME,
            "description": "how messages address the person, e.g. `Ana Silva` (contact detail)",
        },
    )
    email = fields.String(
        allow_none=True,
        validate=domain_check(check_email),
        metadata={
            "format": "email",
            "maxLength": MAX_EMAIL,
            "description": "work e-mail address, e.g. `ana.silva@example.com` (contact detail)",
        },
    )
    locale = fields.String(
        allow_none=True,
        validate=domain_check(check_locale),
        metadata={
            "pattern": LANGUAGE_TAG_PATTERN,
            "description": "preferred locale of messages, BCP 47, e.g. `en`, `fr`, `de` (contact detail)",
        },
    )

    @validates("availability")
    def _no_overlap(self, value: list[dict[str, Any]], **_: Any) -> None:
        if all(set(window) == {"day", "start", "end"} for window in value):  # else a window is already named
            domain_check(check_availability)(value)


class ParticipantCreateSchema(_ProfileFields):
    """Enrol a leader (mentee) or junior (mentor) in a program."""

    program_id = fields.String(required=True, validate=ID_LENGTH)
    employee_id = employee_id_field(required=True)
    role = fields.String(
        required=True, validate=validate.OneOf(ROLES, error="must be one of {choices}, got {input!r}")
    )
    consent = fields.Nested(ConsentSchema, required=True)

    @validates_schema
    def _role_rules(self, data: dict[str, Any], **_: Any) -> None:
        missing = [name for name in ("level", "timezone", "languages") if name not in data]
        if missing:
            raise ValidationError({name: ["Missing data for required field."] for name in missing})
        if data.get("role") == participant_rules.LEADER:
            if data.get("capacity") is not None:
                raise ValidationError(
                    "capacity applies to juniors only; leave it out for a leader", "capacity"
                )
            if not data.get("topics_to_learn"):
                raise ValidationError("a leader needs at least one topic to learn", "topics_to_learn")
        if data.get("role") == participant_rules.JUNIOR and not data.get("topics_to_teach"):
            raise ValidationError("a junior needs at least one topic to teach", "topics_to_teach")


class ParticipantUpdateSchema(_ProfileFields):
    """A partial profile change; identity (employee_id, role, program) and consent change elsewhere."""

    OPENAPI_KEYWORDS: ClassVar[dict[str, Any]] = {"minProperties": 1}

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send at least one field to change")


class WithdrawSchema(StrictSchema):
    reason = fields.String(allow_none=True, validate=validate.Length(max=participant_rules.MAX_REASON))


class ConsentUpdateSchema(StrictSchema):
    """Withdrawing ``data_processing`` erases the participant; withdrawing ``matching`` withdraws them."""

    OPENAPI_KEYWORDS: ClassVar[dict[str, Any]] = {"minProperties": 1}

    matching = fields.Boolean()
    data_processing = fields.Boolean()

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send matching and/or data_processing")


class ParticipantListArgsSchema(PageArgsSchema):
    program_id = fields.String(validate=ID_LENGTH)
    employee_id = employee_id_field()
    role = fields.String(validate=validate.OneOf(ROLES, error="must be one of {choices}"))
    status = fields.String(
        validate=validate.OneOf(participant_rules.STATUSES, error="must be one of {choices}, got {input!r}")
    )


class ParticipantSchema(Schema):
    """A participant as the API returns it; an erased participant shows only its ids and status.

    ``display_name``, ``email`` and ``locale`` are contact details: kept in intake and published only on
    the compacted contacts topic, never in the participant events."""

    participant_id = fields.String()
    program_id = fields.String()
    employee_id = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    level = fields.Integer(allow_none=True)
    department = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    timezone = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    topics_to_learn = fields.List(fields.String())
    topics_to_teach = fields.List(fields.String())
    growth_goals = fields.List(fields.String())
    strengths = fields.List(fields.String())
    availability = fields.List(fields.Nested(AvailabilityWindowSchema))
    capacity = fields.Integer(allow_none=True)
    manager_id = fields.String(allow_none=True)
    display_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True, metadata={"format": "email"})
    locale = fields.String(allow_none=True)
    consent = fields.Nested(ConsentSchema, allow_none=True)
    status = fields.String(validate=validate.OneOf(participant_rules.STATUSES))
    withdrawal_reason = fields.String(allow_none=True)
    registered_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    erased_at = fields.DateTime(allow_none=True)


class ParticipantPageSchema(PageSchema):
    items = fields.List(fields.Nested(ParticipantSchema))

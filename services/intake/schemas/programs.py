"""Program bodies (create, partial update, status move, purge), list arguments and responses."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.intake.domain import programs as program_rules
from services.intake.domain.validation import CAPACITY_MAX, CAPACITY_MIN, check_languages
from services.intake.schemas.common import LANGUAGE_TAG_DOC, domain_check, employee_id_field
from shared.contracts.payloads import CUSTOM_AREA_PATTERN, ProgramPayload
from shared.http import PageQuery, PageSchema, PartialWeights, StrictSchema
from shared.vocabulary import FOCUS_AREAS


class RulesSchema(StrictSchema):
    """Matching rules; omitted rules keep their defaults (create) or current values (update)."""

    min_seniority_gap = fields.Integer(
        strict=True,
        validate=validate.Range(0, program_rules.MAX_SENIORITY_GAP, error="must be from {min} to {max}"),
    )
    min_timezone_overlap_hours = fields.Float(
        allow_nan=False,
        validate=validate.Range(
            0, program_rules.MAX_TIMEZONE_OVERLAP_HOURS, error="must be from {min} to {max} hours"
        ),
    )
    languages = fields.List(
        fields.String(metadata=LANGUAGE_TAG_DOC),
        validate=[validate.Length(min=1, max=20), domain_check(check_languages)],
        metadata={"description": "languages a pair may share; absent: any language both people speak"},
    )
    junior_capacity_default = fields.Integer(
        strict=True, validate=validate.Range(CAPACITY_MIN, CAPACITY_MAX, error="must be from {min} to {max}")
    )
    weights = fields.Nested(PartialWeights)
    min_common_slot_minutes = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(
            *program_rules.COMMON_SLOT_MINUTES, error="must be from {min} to {max} minutes"
        ),
        metadata={
            "description": "a pair needs one common contiguous slot of this many minutes each week (real "
            "time, each person's windows read in their own timezone); null or left out: no such rule"
        },
    )


class ProgramCreateSchema(StrictSchema):
    # at least one curated or custom focus area (checked in ``_check_program_consistency``)
    OPENAPI_KEYWORDS: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"required": ["focus_areas"], "properties": {"focus_areas": {"minItems": 1}}},
            {"required": ["custom_focus_areas"], "properties": {"custom_focus_areas": {"minItems": 1}}},
        ]
    }

    name = fields.String(required=True, validate=validate.Length(min=1, max=program_rules.MAX_NAME))
    focus_areas = fields.List(
        fields.String(
            validate=validate.OneOf(
                FOCUS_AREAS, error="unknown focus area {input!r}; expected one of {choices}"
            )
        ),
        load_default=list,
    )
    custom_focus_areas = fields.List(
        fields.String(
            validate=validate.Regexp(
                CUSTOM_AREA_PATTERN, error="custom focus areas look like 'custom:<slug>', got {input!r}"
            )
        ),
        load_default=list,
    )
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    admins = fields.List(
        employee_id_field(),
        validate=validate.Length(min=1, max=program_rules.MAX_ADMINS, error="needs {min} to {max} admins"),
        metadata={"description": "employee ids; defaults to the caller"},
    )
    rules = fields.Nested(RulesSchema)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        _check_program_consistency(data)


class ProgramUpdateSchema(StrictSchema):
    """A partial change: only the fields sent change; ``rules`` merge key by key."""

    OPENAPI_KEYWORDS: ClassVar[dict[str, Any]] = {"minProperties": 1}

    name = fields.String(validate=validate.Length(min=1, max=program_rules.MAX_NAME))
    focus_areas = fields.List(
        fields.String(
            validate=validate.OneOf(
                FOCUS_AREAS, error="unknown focus area {input!r}; expected one of {choices}"
            )
        )
    )
    custom_focus_areas = fields.List(
        fields.String(
            validate=validate.Regexp(
                CUSTOM_AREA_PATTERN, error="custom focus areas look like 'custom:<slug>', got {input!r}"
            )
        )
    )
    starts_on = fields.Date()
    ends_on = fields.Date()
    admins = fields.List(
        employee_id_field(),
        validate=validate.Length(min=1, max=program_rules.MAX_ADMINS, error="needs {min} to {max} admins"),
    )
    rules = fields.Nested(RulesSchema)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("send at least one field to change")
        _check_program_consistency(data)


def _check_program_consistency(data: dict[str, Any]) -> None:
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if starts_on and ends_on and ends_on <= starts_on:
        raise ValidationError(f"must be after starts_on ({starts_on.isoformat()})", "ends_on")
    if data.get("focus_areas") == [] and data.get("custom_focus_areas") == []:
        raise ValidationError("a program needs at least one focus area (curated or custom)", "focus_areas")


class StatusTransitionSchema(StrictSchema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(
            program_rules.STATUSES, error="unknown status {input!r}; expected one of {choices}"
        ),
    )


class PageArgsSchema(PageQuery):
    """The chassis' pagination (page ≤ 100,000, page_size 1 to 200), strict about unknown parameters."""


class ProgramListArgsSchema(PageArgsSchema):
    status = fields.String(
        validate=validate.OneOf(
            program_rules.STATUSES, error="unknown status {input!r}; expected one of {choices}"
        )
    )


class PurgeReportSchema(Schema):
    program_id = fields.String()
    erased = fields.Integer(metadata={"description": "participants erased by this purge"})
    purged_at = fields.DateTime()


class RulesView(RulesSchema):
    """A program's rules as the API returns them: every rule, ``languages`` empty when any will do."""

    languages = fields.List(
        fields.String(metadata=LANGUAGE_TAG_DOC),
        metadata={"description": "languages a pair may share; empty: any language both people speak"},
    )


class ProgramSchema(ProgramPayload):
    """A program as the API returns it: the published payload plus its bookkeeping times."""

    rules = fields.Nested(RulesView)

    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class ProgramPageSchema(PageSchema):
    items = fields.List(fields.Nested(ProgramSchema))

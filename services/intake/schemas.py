"""Marshmallow schemas of intake's HTTP bodies, query arguments and responses (event payloads live once, in
``shared.contracts.payloads``).

Field rules call the same checks as the domain (``domain.validation``) so the API, the aggregates and the
CSV importer give the same messages. Membership of a program's own custom areas needs the program, so the
domain checks topics against it; the schemas check only that a topic looks like a term.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates, validates_schema

from shared.contracts.payloads import (
    CUSTOM_AREA_PATTERN,
    EMPLOYEE_ID_PATTERN,
    HHMM_PATTERN,
    ID_LENGTH,
    LANGUAGE_TAG_PATTERN,
    TERM_PATTERN,
    ProgramPayload,
)
from shared.http import PageQuery, PageSchema, PartialWeights, StrictSchema
from shared.vocabulary import FOCUS_AREAS, GROWTH_GOALS, ROLES

from .domain import participants as participant_rules
from .domain import programs as program_rules
from .domain.errors import InvalidValue
from .domain.validation import (
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

# The shape of a BCP 47 tag; the check itself also wants registered subtags (e.g. 'xx' is refused).
LANGUAGE_TAG_DOC = {
    "pattern": LANGUAGE_TAG_PATTERN,
    "description": "a BCP 47 language tag with registered subtags, e.g. 'en', 'pt-BR', 'zh-Hant'",
}


def _domain_check(check: Callable[[Any], Any]) -> Callable[[Any], None]:
    """A marshmallow validator that runs a domain check and keeps its message."""

    def validator(value: Any) -> None:
        try:
            check(value)
        except InvalidValue as error:
            raise ValidationError(str(error)) from None

    return validator


def _employee_id(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(
            EMPLOYEE_ID_PATTERN,
            error="must be 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit",
        ),
        **kwargs,
    )


def _term_list(**kwargs: Any) -> fields.List:
    term = fields.String(
        validate=validate.Regexp(TERM_PATTERN, error="{input!r} is not a focus-area term (e.g. 'ai-tools')")
    )
    return fields.List(term, **kwargs)


def _goal_list(**kwargs: Any) -> fields.List:
    goal = fields.String(
        validate=validate.OneOf(
            GROWTH_GOALS, error="unknown growth goal {input!r}; expected one of {choices}"
        )
    )
    return fields.List(goal, **kwargs)


# --- programs ---------------------------------------------------------------------------------------------


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
        validate=[validate.Length(min=1, max=20), _domain_check(check_languages)],
    )
    junior_capacity_default = fields.Integer(
        strict=True, validate=validate.Range(CAPACITY_MIN, CAPACITY_MAX, error="must be from {min} to {max}")
    )
    weights = fields.Nested(PartialWeights)


class ProgramCreateSchema(StrictSchema):
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
        _employee_id(),
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
        _employee_id(),
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


# --- participants -----------------------------------------------------------------------------------------


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
        validate=[validate.Length(min=1, max=64), _domain_check(check_timezone)],
        metadata={"enum": sorted(iana_timezones()), "description": "an IANA time zone name"},
    )
    languages = fields.List(
        fields.String(metadata=LANGUAGE_TAG_DOC),
        validate=[validate.Length(min=1, max=20), _domain_check(check_languages)],
    )
    topics_to_learn = _term_list()
    topics_to_teach = _term_list()
    growth_goals = _goal_list()
    strengths = _goal_list()
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
    manager_id = _employee_id(allow_none=True)

    @validates("availability")
    def _no_overlap(self, value: list[dict[str, Any]], **_: Any) -> None:
        if all(set(window) == {"day", "start", "end"} for window in value):  # else a window is already named
            _domain_check(check_availability)(value)


class ParticipantCreateSchema(_ProfileFields):
    """Enrol a leader (mentee) or junior (mentor) in a program."""

    program_id = fields.String(required=True, validate=ID_LENGTH)
    employee_id = _employee_id(required=True)
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


class PageArgsSchema(PageQuery):
    """The chassis' pagination (page ≤ 100,000, page_size 1 to 200), strict about unknown parameters."""


class ProgramListArgsSchema(PageArgsSchema):
    status = fields.String(
        validate=validate.OneOf(
            program_rules.STATUSES, error="unknown status {input!r}; expected one of {choices}"
        )
    )


class ParticipantListArgsSchema(PageArgsSchema):
    program_id = fields.String(validate=ID_LENGTH)
    employee_id = _employee_id()
    role = fields.String(validate=validate.OneOf(ROLES, error="must be one of {choices}"))
    status = fields.String(
        validate=validate.OneOf(participant_rules.STATUSES, error="must be one of {choices}, got {input!r}")
    )


class ImportUploadSchema(StrictSchema):
    """``multipart/form-data`` with the CSV in ``file`` (columns: see ``services.intake.importer``)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


MAX_ORGCHART_EMPLOYEES = 200_000
_EMPLOYEE_ID = re.compile(EMPLOYEE_ID_PATTERN)


class OrgChartUploadSchema(Schema):
    """The whole organisation as ``{employee_id: manager_id or null}``; every key is an employee id.

    Employees left out are removed from intake's chart. Cycles and unknown managers are accepted and
    reported (HR data is imperfect); only malformed ids are refused.
    """

    class Meta:
        unknown = INCLUDE

    @validates_schema(pass_original=True)
    def _ids(self, _: dict[str, Any], original: Any, **__: Any) -> None:
        if not isinstance(original, dict) or not original:
            raise ValidationError("send an object mapping every employee id to a manager id or null")
        if len(original) > MAX_ORGCHART_EMPLOYEES:
            raise ValidationError(f"at most {MAX_ORGCHART_EMPLOYEES} employees per upload")
        errors: dict[str, list[str]] = {}
        for employee, manager in original.items():
            if not _EMPLOYEE_ID.match(employee):
                errors[employee] = ["is not an employee id (1-64 letters, digits, '.', '_' or '-')"]
            elif manager is not None and (not isinstance(manager, str) or not _EMPLOYEE_ID.match(manager)):
                errors[employee] = [f"manager must be an employee id or null, got {manager!r}"]
        if errors:
            raise ValidationError(errors)


ORGCHART_UPLOAD_DOC = {
    "type": "object",
    "description": OrgChartUploadSchema.__doc__.split("\n")[0],
    "additionalProperties": {"type": "string", "nullable": True, "pattern": EMPLOYEE_ID_PATTERN},
    "minProperties": 1,
    "maxProperties": MAX_ORGCHART_EMPLOYEES,
    "example": {"E000001": None, "E000002": "E000001", "E000003": "E000002"},
}


class OrgChartProblemSchema(Schema):
    kind = fields.String(validate=validate.OneOf(("cycle", "unknown_manager")))
    employee_id = fields.String()
    detail = fields.String()
    members = fields.List(fields.String(), metadata={"description": "the employees on a cycle"})


class OrgChartProblemsSchema(Schema):
    employees = fields.Integer()
    problems = fields.List(fields.Nested(OrgChartProblemSchema))


class OrgChartUploadReportSchema(OrgChartProblemsSchema):
    upserted = fields.Integer(metadata={"description": "new or changed reporting lines (one event each)"})
    removed = fields.Integer(metadata={"description": "employees no longer in the organisation (no event)"})
    unchanged = fields.Integer()


class PurgeReportSchema(Schema):
    program_id = fields.String()
    erased = fields.Integer(metadata={"description": "participants erased by this purge"})
    purged_at = fields.DateTime()


# --- responses --------------------------------------------------------------------------------------------


class ProgramSchema(ProgramPayload):
    """A program as the API returns it: the published payload plus its bookkeeping times."""

    rules = fields.Nested(RulesSchema)  # the same fields; documented once, as the body's rules

    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class ParticipantSchema(Schema):
    """A participant as the API returns it; an erased participant shows only its ids and status."""

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
    consent = fields.Nested(ConsentSchema, allow_none=True)
    status = fields.String(validate=validate.OneOf(participant_rules.STATUSES))
    withdrawal_reason = fields.String(allow_none=True)
    registered_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    erased_at = fields.DateTime(allow_none=True)


class ProgramPageSchema(PageSchema):
    items = fields.List(fields.Nested(ProgramSchema))


class ParticipantPageSchema(PageSchema):
    items = fields.List(fields.Nested(ParticipantSchema))


class ImportedRowSchema(Schema):
    row = fields.Integer()
    employee_id = fields.String()
    participant_id = fields.String()


class RejectedRowSchema(Schema):
    row = fields.Integer(metadata={"description": "CSV record number; the header is row 1"})
    employee_id = fields.String(allow_none=True)
    field = fields.String()
    reason = fields.String()


class ImportReportSchema(Schema):
    total_rows = fields.Integer()
    accepted = fields.List(fields.Nested(ImportedRowSchema))
    updated = fields.List(fields.Nested(ImportedRowSchema))
    unchanged = fields.Integer()
    rejected = fields.List(fields.Nested(RejectedRowSchema))

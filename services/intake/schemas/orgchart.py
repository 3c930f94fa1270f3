"""HR's whole-organisation upload (``{employee_id: manager_id or null}``) and the org chart's reports."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.payloads import EMPLOYEE_ID_PATTERN

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

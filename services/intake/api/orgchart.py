"""Org chart routes: HR's whole-organisation upload and the report of its cycles and unknown managers."""

from __future__ import annotations

from services.intake import schemas
from services.intake.api.common import BULK_BODY_LIMIT, blp, body_limit, handle, problems, result, uow
from services.intake.domain import OrgChartUploaded
from services.intake.service import commands, queries
from shared.auth import require_roles


@blp.put("/orgchart")
@require_roles("hr")
@body_limit(BULK_BODY_LIMIT)
@blp.arguments(schemas.OrgChartUploadSchema)
@blp.doc(requestBody={"content": {"application/json": {"schema": schemas.ORGCHART_UPLOAD_DOC}}})
@blp.response(200, schemas.OrgChartUploadReportSchema)
@problems(401, 403, 413, 422)
def replace_orgchart(body: dict) -> dict:
    """Upload the whole organisation's reporting lines (hr)

    ``{employee_id: manager_id or null}``. New or changed lines emit
    ``mentoring.orgchart.employee_upserted.v1``; unchanged ones emit nothing. Cycles and unknown
    managers are reported in ``problems``, not refused.
    """
    return result(handle(commands.UploadOrgChart(body)), OrgChartUploaded).report


@blp.get("/orgchart/problems")
@require_roles("hr", "admin")
@blp.response(200, schemas.OrgChartProblemsSchema)
@problems(401, 403)
def orgchart_problems() -> dict:
    """Report reporting cycles and managers missing from the org chart"""
    return queries.orgchart_problems(uow())

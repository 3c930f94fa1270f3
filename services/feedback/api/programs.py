"""Program-level feedback: its settings and survey answers (its own admins), its outcome report (hr and
its own admins) as JSON or CSV."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from services.feedback import schemas
from services.feedback.api.common import documented, uow
from services.feedback.domain.outcomes import to_csv
from services.feedback.service import commands as c
from services.feedback.service import queries
from services.feedback.service.outcomes import outcome_report
from shared.app import current_bus
from shared.auth import current_principal, require_roles

blp = Blueprint("programs", __name__, url_prefix="/v1", description="Program settings and outcomes")
problems = documented(blp)
CSV = {"schema": {"type": "string", "description": "metric,value rows, one per figure"}}


@blp.get("/programs/<program_id>/feedback-settings")
@require_roles("admin")
@blp.response(200, schemas.FeedbackSettingsSchema)
@problems(401, 403, 404)
def get_settings(program_id: str) -> dict:
    """The program's check-in cadence, pulse k, fit check delay and survey questions"""
    return queries.feedback_settings(uow(), program_id, current_principal())


@blp.put("/programs/<program_id>/feedback-settings")
@require_roles("admin")
@blp.arguments(schemas.FeedbackSettingsSchema)
@blp.response(200, schemas.FeedbackSettingsSchema)
@problems(401, 403, 404, 422)
def put_settings(body: dict, program_id: str) -> dict:
    """Change the program's cadence, pulse k, fit check delay or survey questions (its admins)"""
    principal = current_principal()
    current_bus().handle(c.SaveFeedbackSettings(principal, program_id, body))
    return queries.feedback_settings(uow(), program_id, principal)


@blp.get("/programs/<program_id>/surveys")
@require_roles("admin")
@blp.response(200, schemas.SurveyRecordSchema(many=True))
@problems(401, 403, 404)
def program_surveys(program_id: str) -> list:
    """Every pairing's milestone survey answers (the program's admins)"""
    return queries.program_surveys(uow(), program_id, current_principal())


@blp.get("/programs/<program_id>/outcomes")
@require_roles("admin", "hr", "service")
@blp.arguments(schemas.OutcomeArgsSchema, location="query")
@blp.response(200, schemas.OutcomeReportSchema)
@blp.doc(
    responses={
        "200": {
            "description": "The report (JSON; ?format=csv: CSV)",
            "content": {"application/json": {"schema": schemas.OutcomeReportSchema}, "text/csv": CSV},
        }
    }
)
@problems(401, 403, 404, 422)
def outcomes(query: dict, program_id: str):
    """The program's outcome report (``?format=csv`` for the CSV export)"""
    report = outcome_report(uow(), program_id, current_principal())
    if query["format"] == "csv":
        return _csv(report, program_id)
    return report


@blp.get("/programs/<program_id>/outcomes.csv")
@require_roles("admin", "hr", "service")
@blp.doc(responses={"200": {"description": "metric,value rows", "content": {"text/csv": CSV}}})
@problems(401, 403, 404)
def outcomes_csv(program_id: str) -> Response:
    """The program's outcome report as CSV (metric, value)"""
    return _csv(outcome_report(uow(), program_id, current_principal()), program_id)


def _csv(report: dict, program_id: str) -> Response:
    disposition = f'attachment; filename="outcomes-{program_id}.csv"'
    return Response(to_csv(report), mimetype="text/csv", headers={"Content-Disposition": disposition})

"""What the two sides of a pairing write and read: goals with progress, check-ins, insights and their
milestone surveys. Anyone but the pairing's two sides gets 404."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.feedback import schemas
from services.feedback.api.common import documented, new_id, uow, written
from services.feedback.service import commands as c
from services.feedback.service import queries
from shared.auth import current_principal, require_roles

blp = Blueprint("pairings", __name__, url_prefix="/v1", description="Goals, check-ins, insights, surveys")
problems = documented(blp)


@blp.post("/pairings/<pairing_id>/goals")
@require_roles("participant")
@blp.arguments(schemas.GoalCreateSchema)
@blp.response(201, schemas.GoalSchema)
@problems(401, 403, 404, 409, 422)
def set_goal(body: dict, pairing_id: str) -> dict:
    """Set a goal on your side of an active pairing

    A leader's goal names one of the program's focus areas, a junior's a growth goal. Emits
    ``mentoring.feedback.goal_set.v1``.
    """
    return written(c.SetGoal(current_principal(), pairing_id, new_id(), body))


@blp.get("/pairings/<pairing_id>/goals")
@require_roles("participant")
@blp.response(200, schemas.GoalSchema(many=True))
@problems(401, 403, 404)
def list_goals(pairing_id: str) -> list:
    """Both sides' goals"""
    return queries.goals(uow(), pairing_id, current_principal())


@blp.post("/pairings/<pairing_id>/goals/<goal_id>/progress")
@require_roles("participant")
@blp.arguments(schemas.GoalProgressSchema)
@blp.response(200, schemas.GoalSchema)
@problems(401, 403, 404, 409, 422)
def update_goal(body: dict, pairing_id: str, goal_id: str) -> dict:
    """Report progress on your own goal (percent, note, status); ``achieved`` emits goal_completed"""
    return written(
        c.UpdateGoalProgress(
            current_principal(), pairing_id, goal_id, body["percent"], body["note"], body["status"]
        )
    )


@blp.post("/pairings/<pairing_id>/check-ins")
@require_roles("participant")
@blp.arguments(schemas.CheckInCreateSchema)
@blp.response(201, schemas.CheckInSchema)
@problems(401, 403, 404, 409, 422)
def log_check_in(body: dict, pairing_id: str) -> dict:
    """Log a session; private notes are seen only by you. Emits ``checkin_logged`` (no notes)"""
    record = written(c.LogCheckIn(current_principal(), pairing_id, new_id(), body))
    return queries.check_in_view(record, record["logged_by"])


@blp.get("/pairings/<pairing_id>/check-ins")
@require_roles("participant")
@blp.response(200, schemas.CheckInSchema(many=True))
@problems(401, 403, 404)
def list_check_ins(pairing_id: str) -> list:
    """The pairing's sessions, with your own private notes only"""
    return queries.check_ins(uow(), pairing_id, current_principal())


@blp.post("/pairings/<pairing_id>/insights")
@require_roles("participant")
@blp.arguments(schemas.InsightCreateSchema)
@blp.response(201, schemas.InsightSchema)
@problems(401, 403, 404, 409, 422)
def raise_insight(body: dict, pairing_id: str) -> dict:
    """Raise an insight (the pairing's junior)"""
    return written(c.RaiseInsight(current_principal(), pairing_id, new_id(), body))


@blp.get("/pairings/<pairing_id>/insights")
@require_roles("participant")
@blp.response(200, schemas.InsightSchema(many=True))
@problems(401, 403, 404)
def list_insights(pairing_id: str) -> list:
    """The pairing's insights"""
    return queries.insights(uow(), pairing_id, current_principal())


@blp.post("/pairings/<pairing_id>/insights/<insight_id>/acknowledgement")
@require_roles("participant")
@blp.response(200, schemas.InsightSchema)
@problems(401, 403, 404, 409)
def acknowledge_insight(pairing_id: str, insight_id: str) -> dict:
    """Acknowledge an insight (the pairing's leader)"""
    return written(c.AcknowledgeInsight(current_principal(), pairing_id, insight_id))


@blp.post("/pairings/<pairing_id>/insights/<insight_id>/acted-upon")
@require_roles("participant")
@blp.arguments(schemas.InsightActedUponSchema)
@blp.response(200, schemas.InsightSchema)
@problems(401, 403, 404, 409, 422)
def act_on_insight(body: dict, pairing_id: str, insight_id: str) -> dict:
    """Mark an insight acted upon with what changed (the leader); the junior is told"""
    return written(c.ActOnInsight(current_principal(), pairing_id, insight_id, body["what_changed"]))


@blp.get("/pairings/<pairing_id>/surveys")
@require_roles("participant")
@blp.response(200, schemas.SurveyOpenSchema(many=True))
@problems(401, 403, 404)
def list_surveys(pairing_id: str) -> list:
    """The milestone surveys open on the pairing, with your own answers"""
    return queries.surveys_of_pairing(uow(), pairing_id, current_principal())


@blp.put("/pairings/<pairing_id>/surveys/<kind>")
@require_roles("participant")
@blp.arguments(schemas.SurveyAnswerSchema)
@blp.response(201, schemas.SurveyAnsweredSchema)
@problems(401, 403, 404, 409, 422)
def answer_survey(body: dict, pairing_id: str, kind: str) -> dict:
    """Answer an open milestone survey (fit_check, midpoint, end) once; the other side never sees it"""
    record = written(c.AnswerSurvey(current_principal(), pairing_id, kind, body["answers"]))
    return {"kind": record["kind"], "answers": record["answers"]}

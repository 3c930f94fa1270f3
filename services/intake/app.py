"""Intake's application factory."""

from __future__ import annotations

from flask import Flask, Response

from services.intake import store
from services.intake.api import blp
from services.intake.domain import Conflict, IntakeError, InvalidInput, RetentionPolicy
from services.intake.service import IntakeService
from shared.app import create_base_app
from shared.config import Settings
from shared.errors import problem


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env("intake")
    app = create_base_app(
        settings,
        title="Intake",
        description="Programs, participants, the org chart, HR imports, consent and erasure.",
        blueprints=[blp],
        indexes=store.INDEXES,
    )
    store.migrate(app.extensions["db"])
    app.extensions["intake_service"] = IntakeService(
        app.extensions["db"], retention=RetentionPolicy.days(settings.retention_days)
    )

    @app.errorhandler(IntakeError)
    def _domain_error(error: IntakeError) -> Response:
        if isinstance(error, InvalidInput):
            return problem(422, "Unprocessable content", error.detail, errors=error.as_problem_errors())
        if isinstance(error, Conflict):
            errors = [{"field": error.field, "message": error.detail}] if error.field else None
            return problem(409, "Conflict", error.detail, errors=errors)
        return problem(400, "Bad request", error.detail)

    return app

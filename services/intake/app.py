"""Intake's application factory."""

from __future__ import annotations

from flask import Flask, Response

from services.intake import store
from services.intake.api import blp
from services.intake.domain import Conflict, IntakeError, InvalidInput
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
    app.extensions["intake_service"] = IntakeService(app.extensions["db"])

    @app.errorhandler(IntakeError)
    def _domain_error(error: IntakeError) -> Response:
        if isinstance(error, InvalidInput):
            return problem(422, "Unprocessable content", error.detail, errors=error.as_problem_errors())
        if isinstance(error, Conflict):
            return problem(409, "Conflict", error.detail)
        return problem(400, "Bad request", error.detail)

    return app

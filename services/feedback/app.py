"""Feedback's application factory."""

from __future__ import annotations

from flask import Flask

from services.feedback import service, store
from services.feedback.api import blp
from shared.app import create_base_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env("feedback")
    return create_base_app(
        settings,
        title="Feedback",
        description="Two-way goals, check-ins, the anonymous safety pulse and insights acted upon.",
        blueprints=[blp],
        indexes=store.INDEXES,
        bus=lambda db: service.build_bus(store.MongoFeedbackUnitOfWork(db)),
    )

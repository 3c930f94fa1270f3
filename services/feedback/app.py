"""Feedback's application factory."""

from __future__ import annotations

from flask import Flask

from services.feedback import store
from services.feedback.api import BLUEPRINTS
from services.feedback.service import build_bus
from shared.app import create_base_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env("feedback")
    return create_base_app(
        settings,
        title="Feedback",
        description="Two-way goals, check-ins, the anonymous safety pulse and insights acted upon.",
        blueprints=BLUEPRINTS,
        indexes=store.INDEXES,
        bus=lambda db: build_bus(store.MongoFeedbackUnitOfWork(db)),
    )

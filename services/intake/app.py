"""Intake's application factory: the API over one unit of work and its bus (errors map in shared.problems)."""

from __future__ import annotations

from flask import Flask

from services.intake import store
from services.intake.api import blp
from services.intake.service import build_bus
from shared.app import create_base_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env("intake")
    return create_base_app(
        settings,
        title="Intake",
        description="Programs, participants, the org chart, HR imports, consent and erasure.",
        blueprints=[blp],
        indexes=store.INDEXES,
        bus=lambda db: build_bus(store.MongoIntakeUnitOfWork(db)),
    )

"""Matching's application factory."""

from __future__ import annotations

from flask import Flask

from services.matching import store
from services.matching.api import blp
from services.matching.service import build_bus
from shared.app import create_base_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env("matching")
    return create_base_app(
        settings,
        title="Matching",
        description="Explainable, constrained, globally optimal pairing of leaders and juniors.",
        blueprints=[blp],
        indexes=store.INDEXES,
        bus=lambda db: build_bus(store.MongoMatchingUnitOfWork(db)),
    )

"""Notifications' application factory."""

from __future__ import annotations

from flask import Flask

from services.notifications import service, store
from services.notifications.api import blp
from shared.app import create_base_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env("notifications")
    return create_base_app(
        settings,
        title="Notifications",
        description="Tells participants and subscribers what happened, once per cause and channel.",
        blueprints=[blp],
        indexes=store.INDEXES,
        bus=lambda db: service.build_bus(store.MongoNotificationsUnitOfWork(db)),
    )

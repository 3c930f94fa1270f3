"""Notifications' application factory."""

from __future__ import annotations

from flask import Flask

from services.notifications.api import BLUEPRINTS
from services.notifications.service.bus import build_bus
from services.notifications.store.uow import INDEXES, MongoNotificationsUnitOfWork
from shared.app import create_base_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env("notifications")
    return create_base_app(
        settings,
        title="Notifications",
        description="Tells participants and subscribers what happened, once per cause and channel.",
        blueprints=BLUEPRINTS,
        indexes=INDEXES,
        bus=lambda db: build_bus(MongoNotificationsUnitOfWork(db)),
    )

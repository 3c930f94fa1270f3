"""Notifications' HTTP routes: one blueprint per module; the app registers every one listed here."""

from __future__ import annotations

from services.notifications.api import (
    channels,
    deliveries,
    inbox,
    preferences,
    templates,
    unsubscribe,
    webhooks,
)

BLUEPRINTS = [
    inbox.blp,
    preferences.blp,
    unsubscribe.blp,
    templates.blp,
    deliveries.blp,
    channels.blp,
    webhooks.blp,
]

"""Notifications' HTTP routes: one blueprint per module; the app registers every one listed here."""

from __future__ import annotations

from services.notifications.api import inbox, preferences, templates, webhooks

BLUEPRINTS = [inbox.blp, preferences.blp, templates.blp, webhooks.blp]

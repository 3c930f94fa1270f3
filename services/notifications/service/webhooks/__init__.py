"""Subscriber webhooks' use cases: endpoints, fan-out and attempts, replay; one ``COMMANDS`` table."""

from __future__ import annotations

from services.notifications.domain.webhooks import subscribable_types
from services.notifications.service.webhooks import delivery, endpoints, replay
from services.notifications.service.webhooks.delivery import KIND, FanOutWebhooks, fire_webhook
from services.notifications.service.webhooks.replay import ForgetWebhookRecipient

SUBSCRIBABLE = frozenset(subscribable_types())
COMMANDS = {**endpoints.COMMANDS, **delivery.COMMANDS, **replay.COMMANDS}

__all__ = ["COMMANDS", "KIND", "SUBSCRIBABLE", "FanOutWebhooks", "ForgetWebhookRecipient", "fire_webhook"]

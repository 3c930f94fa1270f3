"""Subscriber webhooks' use cases: endpoints, fan-out and attempts, replay; one ``COMMANDS`` table."""

from __future__ import annotations

from services.notifications.service.webhooks import delivery, endpoints, replay

KIND = delivery.KIND
fire_webhook = delivery.fire_webhook
COMMANDS = {**endpoints.COMMANDS, **delivery.COMMANDS, **replay.COMMANDS}

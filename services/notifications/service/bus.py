"""Notifications' message bus: the commands of every use-case module, merged into one table.

A module adds itself with one line in ``MODULES`` (its ``COMMANDS``, and ``FOLLOW_UPS`` if it has any).
"""

from __future__ import annotations

from services.notifications.service import (
    channels,
    deliver,
    digest,
    inbox,
    notify,
    notify_batch,
    people,
    webhooks,
)
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.bus import MessageBus

SERVICE = "notifications"
MODULES = [notify, digest, notify_batch, people, inbox, deliver, channels, webhooks]

COMMANDS = {kind: handler for module in MODULES for kind, handler in module.COMMANDS.items()}
FOLLOW_UPS = {
    kind: follow_ups for module in MODULES for kind, follow_ups in getattr(module, "FOLLOW_UPS", {}).items()
}


def build_bus(uow: NotificationsUnitOfWork) -> MessageBus[NotificationsUnitOfWork]:
    """The bus of one app or worker over its unit of work."""
    return MessageBus(SERVICE, uow, COMMANDS, FOLLOW_UPS)

"""The in-app inbox as its owner reads it: whose inboxes a principal may read (their own, by employee id,
and the hr role's shared one for hr), pages by cursor, unread count, mark read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.notifications.domain.routing import HR_INBOX
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.auth import Principal
from shared.errors import NotFound
from shared.messages import Command, DomainEvent


def inboxes_of(principal: Principal) -> list[str]:
    """The token subject is the employee id: one person, one inbox across programs."""
    return [principal.subject, *([HR_INBOX] if principal.has_any(("hr",)) else [])]


@dataclass(frozen=True)
class MarkRead(Command):
    principal: Principal
    item_id: str | None  # None: every item


@dataclass(frozen=True)
class MarkedRead(DomainEvent):
    count: int


def page(
    uow: NotificationsUnitOfWork, principal: Principal, cursor: str | None, limit: int
) -> dict[str, Any]:
    mine = inboxes_of(principal)
    items = uow.inbox.page(mine, cursor, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return {
        "items": items,
        "unread": uow.inbox.unread(mine),
        "next_cursor": items[-1]["cursor"] if more else None,
    }


def mark_read(command: MarkRead, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """Another person's item is as absent as one that never existed (404, not 403: ids do not leak)."""
    mine = inboxes_of(command.principal)
    if command.item_id is None:
        return [MarkedRead(uow.inbox.mark_all_read(mine, uow.clock()))]
    if not uow.inbox.mark_read(mine, command.item_id, uow.clock()):
        raise NotFound(f"no notification {command.item_id} in your inbox")
    return [MarkedRead(1)]


COMMANDS = {MarkRead: mark_read}

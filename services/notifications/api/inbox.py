"""The in-app inbox of whoever calls: ``/v1/me/notifications`` (own items only; hr also reads the hr
role's inbox). The former ``/v1/inbox/<participant_id>`` is gone: it compared an employee id with a
participant id, so nobody could read their own inbox."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.notifications.schemas.inbox import InboxPage, InboxQuery, MarkedRead
from services.notifications.service import inbox
from shared.app import current_bus
from shared.auth import current_principal, require_roles

blp = Blueprint("inbox", __name__, url_prefix="/v1/me", description="Your in-app notifications")
PEOPLE = ("participant", "admin", "hr")


@blp.get("/notifications")
@require_roles(*PEOPLE)
@blp.arguments(InboxQuery, location="query")
@blp.response(200, InboxPage)
def notifications(query: dict) -> dict:
    """Your notifications, newest first, with the unread count; pass ``next_cursor`` for older ones."""
    return inbox.page(current_bus().uow, current_principal(), query["cursor"], query["limit"])


@blp.post("/notifications/<item_id>/read")
@require_roles(*PEOPLE)
@blp.response(200, MarkedRead)
def mark_read(item_id: str) -> dict:
    """Mark one of your notifications read (404 if it is not in your inbox)."""
    (marked,) = current_bus().handle(inbox.MarkRead(current_principal(), item_id))
    return {"marked": marked.count}


@blp.post("/notifications/read")
@require_roles(*PEOPLE)
@blp.response(200, MarkedRead)
def mark_all_read() -> dict:
    """Mark every notification of yours read."""
    (marked,) = current_bus().handle(inbox.MarkRead(current_principal(), None))
    return {"marked": marked.count}

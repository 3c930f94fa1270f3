"""Notifications' HTTP routes: a participant's in-app inbox."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.notifications.schemas.inbox import DeliveryPage, InboxQuery
from services.notifications.service import notify
from shared.app import current_bus
from shared.auth import current_principal, require_roles
from shared.errors import Forbidden
from shared.http import page_of, skip_limit

blp = Blueprint("notifications", __name__, url_prefix="/v1", description="In-app inbox and delivery log")


@blp.get("/inbox/<participant_id>")
@require_roles("admin", "participant", "service")
@blp.arguments(InboxQuery, location="query")
@blp.response(200, DeliveryPage)
def inbox(query: dict, participant_id: str) -> dict:
    """A participant reads only their own inbox; admins and services read any."""
    principal = current_principal()
    if not principal.has_any(("admin", "service")) and principal.subject != participant_id:
        raise Forbidden("a participant can read only their own inbox")
    skip, limit = skip_limit(query)
    items, total = notify.inbox(current_bus().uow, participant_id, skip, limit)
    return page_of(items, total, query["page"], query["page_size"])

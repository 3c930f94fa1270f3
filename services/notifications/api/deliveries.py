"""The delivery log for admins: what was sent to whom, on which channel, with which outcome, and resend.

Pages are newest first with an opaque cursor (the last item's planned time and id), so a page stays
stable while new deliveries arrive. A resend is a new message whose id is ``<original>:resend:<n>``.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from flask_smorest import Blueprint

from services.notifications.schemas.deliveries import DeliveryPage, DeliveryQuery, Resent
from services.notifications.service.deliver import ResendDelivery
from shared.app import current_bus
from shared.auth import require_roles
from shared.errors import InvalidInput
from shared.http import ProblemSchema
from shared.problems import PROBLEM_JSON

blp = Blueprint("deliveries", __name__, url_prefix="/v1/deliveries", description="Delivery log (admins)")
FILTER_FIELDS = {
    "person": "recipient",
    "participant_id": "participant_id",
    "event": "cause_event_id",
    "channel": "channel",
    "status": "status",
    "program_id": "program_id",
}


def _cursor(raw: str | None) -> tuple[datetime, str] | None:
    if not raw:
        return None
    try:
        at, key = json.loads(base64.urlsafe_b64decode(raw.encode()))
        return datetime.fromisoformat(at), key
    except (ValueError, TypeError) as error:
        raise InvalidInput({"cursor": ["not a cursor this API gave out"]}) from error


def _next_cursor(delivery) -> str:
    raw = json.dumps([delivery.planned_at.isoformat(), delivery.message_id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


@blp.get("")
@require_roles("admin")
@blp.arguments(DeliveryQuery, location="query")
@blp.response(200, DeliveryPage)
def list_deliveries(query: dict) -> dict:
    """Deliveries filtered by person, event, channel, status (any combination), newest first."""
    filters = {field: query[name] for name, field in FILTER_FIELDS.items() if name in query}
    limit = query["limit"]
    found = current_bus().uow.deliveries.search(filters, _cursor(query.get("cursor")), limit + 1)
    page = found[:limit]
    items = [{**delivery.record(), "message_id": delivery.message_id} for delivery in page]
    return {"items": items, "next_cursor": _next_cursor(page[-1]) if len(found) > limit else None}


@blp.post("/<path:message_id>/resend")
@require_roles("admin")
@blp.response(202, Resent)
@blp.alt_response(
    409,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="the delivery has not ended yet, is an in-app message or its address was erased",
)
def resend(message_id: str) -> dict:
    """Send a finished delivery again as a new message (its id: ``<original>:resend:<n>``)."""
    (resent,) = current_bus().handle(ResendDelivery(message_id))
    return {"original_id": resent.original_id, "message_id": resent.message_id}

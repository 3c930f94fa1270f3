"""Subscriber webhooks: ``/v1/webhook-endpoints`` for other internal systems (admins for their programs,
service accounts for any), their messages and attempts, secret rotation and replay."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.notifications.schemas.webhooks import (
    AttemptList,
    EndpointChange,
    EndpointCreate,
    EndpointList,
    EndpointSchema,
    EndpointWithSecret,
    MessagePage,
    MessageQuery,
    Replayed,
    ReplayRequest,
)
from services.notifications.service.webhooks import endpoints, replay
from shared.app import current_bus
from shared.auth import current_principal, require_roles
from shared.http import page_of, skip_limit

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/v1/webhook-endpoints",
    description="Signed webhooks (Standard Webhooks) for other internal systems",
)
MANAGERS = ("admin", "service")


def _saved(events: list) -> dict:
    (saved,) = events
    return endpoints.view(saved.endpoint, saved.secret)


@blp.post("")
@require_roles(*MANAGERS)
@blp.arguments(EndpointCreate)
@blp.response(201, EndpointWithSecret)
def create(body: dict) -> dict:
    """Subscribe a URL to event types; the answer carries the signing secret, shown only this once."""
    command = endpoints.CreateWebhookEndpoint(
        current_principal(), body["url"], tuple(body["event_types"]), body["description"], body["program_id"]
    )
    return _saved(current_bus().handle(command))


@blp.get("")
@require_roles(*MANAGERS)
@blp.response(200, EndpointList)
def list_endpoints() -> dict:
    """The endpoints you may manage (an admin: those of their programs)."""
    return {"items": endpoints.endpoints_for(current_bus().uow, current_principal())}


@blp.get("/<endpoint_id>")
@require_roles(*MANAGERS)
@blp.response(200, EndpointSchema)
def get_endpoint(endpoint_id: str) -> dict:
    return endpoints.endpoint_view(current_bus().uow, current_principal(), endpoint_id)


@blp.patch("/<endpoint_id>")
@require_roles(*MANAGERS)
@blp.arguments(EndpointChange)
@blp.response(200, EndpointSchema)
def change(body: dict, endpoint_id: str) -> dict:
    """Change the URL, types or description; ``disabled: false`` enables a disabled endpoint again."""
    command = endpoints.UpdateWebhookEndpoint(current_principal(), endpoint_id, body)
    return _saved(current_bus().handle(command))


@blp.delete("/<endpoint_id>")
@require_roles(*MANAGERS)
@blp.response(204)
def delete(endpoint_id: str) -> None:
    current_bus().handle(endpoints.DeleteWebhookEndpoint(current_principal(), endpoint_id))


@blp.post("/<endpoint_id>/rotate-secret")
@require_roles(*MANAGERS)
@blp.response(200, EndpointWithSecret)
def rotate_secret(endpoint_id: str) -> dict:
    """A new secret signs from now on; the old one keeps signing (a second ``v1,`` entry in
    ``webhook-signature``) until the configured overlap ends, so receivers can switch without a gap."""
    return _saved(current_bus().handle(endpoints.RotateWebhookSecret(current_principal(), endpoint_id)))


@blp.get("/<endpoint_id>/messages")
@require_roles(*MANAGERS)
@blp.arguments(MessageQuery, location="query")
@blp.response(200, MessagePage)
def messages(query: dict, endpoint_id: str) -> dict:
    """The endpoint's messages, newest first, with where their attempts stand."""
    skip, limit = skip_limit(query)
    items, total = replay.messages_for(
        current_bus().uow, current_principal(), endpoint_id, query["since"], query["until"], skip, limit
    )
    return page_of(items, total, query["page"], query["page_size"])


@blp.get("/<endpoint_id>/messages/<msg_id>/attempts")
@require_roles(*MANAGERS)
@blp.response(200, AttemptList)
def attempts(endpoint_id: str, msg_id: str) -> dict:
    """Every attempt of a message: status code, latency, error."""
    return {"items": replay.attempts_for(current_bus().uow, current_principal(), endpoint_id, msg_id)}


@blp.post("/<endpoint_id>/replay")
@require_roles(*MANAGERS)
@blp.arguments(ReplayRequest)
@blp.response(202, Replayed)
def replay_messages(body: dict, endpoint_id: str) -> dict:
    """Send one message, or those planned in [since, until), again under the same ``webhook-id``."""
    command = replay.ReplayWebhookMessages(
        current_principal(), endpoint_id, body.get("msg_id"), body.get("since"), body.get("until")
    )
    (replayed,) = current_bus().handle(command)
    return {"replayed": list(replayed.msg_ids)}

"""Managing webhook endpoints: subscribe, change, rotate the secret, delete; and the views routes read.

A secret leaves the service twice only: in the answer to the creation and to a rotation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from services.notifications.domain.webhooks import Endpoint, Secret, new_secret, unsubscribable
from services.notifications.service.webhooks.access import endpoint_for, require_program, visible_endpoints
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.auth import Principal
from shared.errors import InvalidInput
from shared.messages import Command, DomainEvent


@dataclass(frozen=True)
class CreateWebhookEndpoint(Command):
    actor: Principal
    url: str
    event_types: tuple[str, ...]
    description: str = ""
    program_id: str | None = None


@dataclass(frozen=True)
class UpdateWebhookEndpoint(Command):
    """``changes`` holds only what the caller sent: url, event_types, description, disabled."""

    actor: Principal
    endpoint_id: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RotateWebhookSecret(Command):
    actor: Principal
    endpoint_id: str


@dataclass(frozen=True)
class DeleteWebhookEndpoint(Command):
    actor: Principal
    endpoint_id: str


@dataclass(frozen=True)
class WebhookEndpointSaved(DomainEvent):
    """What the route answers: the endpoint, and its new secret when one was just made."""

    endpoint: Endpoint
    secret: str | None = None


@dataclass(frozen=True)
class WebhookEndpointDeleted(DomainEvent):
    endpoint_id: str


def _check(uow: NotificationsUnitOfWork, url: str | None, event_types: tuple[str, ...] | None) -> None:
    """Every bad field at once: an unsubscribable type, a URL the SSRF rule refuses."""
    errors: dict[str, list[str]] = {}
    if event_types is not None:
        if not event_types:
            errors["event_types"] = ["subscribe to at least one event type"]
        for name in unsubscribable(event_types):
            errors.setdefault("event_types", []).append(
                f"{name} is not a subscribable event type (pairing, match run, program and feedback events)"
            )
    if url is not None:
        refused = uow.webhook_channel.sender.refusal(url)
        if refused is not None:
            errors["url"] = [refused]
    if errors:
        raise InvalidInput(errors)


def create_endpoint(command: CreateWebhookEndpoint, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    require_program(uow, command.actor, command.program_id)
    event_types = tuple(dict.fromkeys(command.event_types))
    _check(uow, command.url, event_types)
    now = uow.clock()
    secret = new_secret()
    endpoint = Endpoint(
        endpoint_id=f"we_{uuid.uuid4().hex}",
        url=command.url,
        event_types=event_types,
        created_by=command.actor.subject,
        created_at=now,
        secrets=(Secret(secret, now),),
        description=command.description,
        program_id=command.program_id,
    )
    uow.webhooks.add_endpoint(endpoint.endpoint_id, endpoint.to_record())
    return [WebhookEndpointSaved(endpoint, secret)]


def update_endpoint(command: UpdateWebhookEndpoint, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    endpoint, version = endpoint_for(uow, command.actor, command.endpoint_id)
    changes = command.changes
    event_types = tuple(dict.fromkeys(changes["event_types"])) if "event_types" in changes else None
    _check(uow, changes.get("url"), event_types)
    changed = replace(
        endpoint,
        url=changes.get("url", endpoint.url),
        event_types=event_types or endpoint.event_types,
        description=changes.get("description", endpoint.description),
    )
    if changes.get("disabled") is True and not endpoint.disabled:
        changed = changed.disable(uow.clock(), "disabled by " + command.actor.subject)
    elif changes.get("disabled") is False and endpoint.disabled:
        changed = changed.enable()
    uow.webhooks.save_endpoint(endpoint.endpoint_id, changed.to_record(), version)
    return [WebhookEndpointSaved(changed)]


def rotate_secret(command: RotateWebhookSecret, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """The new secret signs from now on; the old one too until the configured overlap ends."""
    endpoint, version = endpoint_for(uow, command.actor, command.endpoint_id)
    secret = new_secret()
    rotated = endpoint.rotated(secret, uow.clock(), uow.webhook_channel.policy.secret_overlap)
    uow.webhooks.save_endpoint(endpoint.endpoint_id, rotated.to_record(), version)
    return [WebhookEndpointSaved(rotated, secret)]


def delete_endpoint(command: DeleteWebhookEndpoint, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """Its scheduled attempts end on their own: an attempt for a missing endpoint fails the message."""
    endpoint, _ = endpoint_for(uow, command.actor, command.endpoint_id)
    uow.webhooks.delete_endpoint(endpoint.endpoint_id)
    return [WebhookEndpointDeleted(endpoint.endpoint_id)]


def view(endpoint: Endpoint, now_secret: str | None = None) -> dict[str, Any]:
    """An endpoint as the API shows it: never a stored secret; how many secrets sign, and until when."""
    record = endpoint.to_record()
    record.pop("secrets")
    record["signing_secrets"] = [
        {"created_at": s.created_at, "expires_at": s.expires_at} for s in endpoint.secrets
    ]
    if now_secret is not None:
        record["secret"] = now_secret
    return record


def endpoints_for(uow: NotificationsUnitOfWork, actor: Principal) -> list[dict[str, Any]]:
    return [view(Endpoint.from_record(record)) for record in visible_endpoints(uow, actor)]


def endpoint_view(uow: NotificationsUnitOfWork, actor: Principal, endpoint_id: str) -> dict[str, Any]:
    return view(endpoint_for(uow, actor, endpoint_id)[0])


COMMANDS = {
    CreateWebhookEndpoint: create_endpoint,
    UpdateWebhookEndpoint: update_endpoint,
    RotateWebhookSecret: rotate_secret,
    DeleteWebhookEndpoint: delete_endpoint,
}

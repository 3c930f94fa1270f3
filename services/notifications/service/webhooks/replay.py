"""Replaying webhook messages (one, or those of a time range) under their own ``webhook-id``; reading
an endpoint's messages and their attempts; erasure of the people messages name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.notifications.service.webhooks.access import endpoint_for
from services.notifications.service.webhooks.delivery import CANCELLED, PENDING, _schedule
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, InvalidInput, NotFound, StaleWrite
from shared.messages import Command, DomainEvent

MAX_REPLAY = 1000
HIDDEN = ("body", "participant_ids", "first_due_at")


@dataclass(frozen=True)
class ReplayWebhookMessages(Command):
    """Either ``msg_id`` or a window [since, until) of the endpoint's messages."""

    actor: Principal
    endpoint_id: str
    msg_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class WebhookMessagesReplayed(DomainEvent):
    msg_ids: tuple[str, ...]


@dataclass(frozen=True)
class ForgetWebhookRecipient(Command):
    """Erasure: messages naming this participant lose their body; those not yet sent are not sent."""

    participant_id: str


def replay(command: ReplayWebhookMessages, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """Each replayed message starts a new series of attempts (an attempt still scheduled from the
    previous series ends on its own); the receiver sees the same id and body, signed afresh."""
    endpoint, _ = endpoint_for(uow, command.actor, command.endpoint_id)
    if endpoint.disabled:
        raise Conflict(f"webhook endpoint {endpoint.endpoint_id} is disabled: enable it, then replay")
    if command.msg_id is not None:
        loaded = uow.webhooks.message(command.msg_id)
        if loaded is None or loaded.record["endpoint_id"] != endpoint.endpoint_id:
            raise NotFound(f"webhook message {command.msg_id} does not exist", field="msg_id")
        chosen = [loaded.record["msg_id"]]
    else:
        if command.since is None:
            raise InvalidInput({"since": ["give msg_id, or since (and optionally until)"]})
        records, total = uow.webhooks.messages(
            endpoint.endpoint_id, command.since, command.until, 0, MAX_REPLAY
        )
        if total > MAX_REPLAY:
            raise InvalidInput(
                {"since": [f"{total} messages in this window; replay at most {MAX_REPLAY} at once"]}
            )
        chosen = [record["msg_id"] for record in reversed(records)]
    replayed = [msg_id for msg_id in chosen if _restart(uow, msg_id)]
    return [WebhookMessagesReplayed(tuple(replayed))]


def _restart(uow: NotificationsUnitOfWork, msg_id: str) -> bool:
    for _ in range(3):
        loaded = uow.webhooks.message(msg_id)
        if loaded is None or loaded.record["status"] == CANCELLED:
            return False
        now = uow.clock()
        series = loaded.record.get("series", 0) + 1
        record = {**loaded.record, "status": PENDING, "series": series, "next_attempt_at": now}
        try:
            uow.webhooks.save_message(msg_id, record, loaded.version)
        except StaleWrite:
            continue
        _schedule(uow, msg_id, series, now)
        return True
    return False


def forget_recipient(command: ForgetWebhookRecipient, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    for msg_id in uow.webhooks.messages_naming(command.participant_id):
        for _ in range(3):
            loaded = uow.webhooks.message(msg_id)
            if loaded is None:
                break
            record = {**loaded.record, "body": "", "participant_ids": []}
            if record["status"] == PENDING:
                record.update(status=CANCELLED, last_error="cancelled: a participant it names was erased")
            try:
                uow.webhooks.save_message(msg_id, record, loaded.version)
                break
            except StaleWrite:
                continue
    return []


def _view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in HIDDEN}


def messages_for(
    uow: NotificationsUnitOfWork,
    actor: Principal,
    endpoint_id: str,
    since: datetime | None,
    until: datetime | None,
    skip: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    endpoint_for(uow, actor, endpoint_id)
    records, total = uow.webhooks.messages(endpoint_id, since, until, skip, limit)
    return [_view(record) for record in records], total


def attempts_for(
    uow: NotificationsUnitOfWork, actor: Principal, endpoint_id: str, msg_id: str
) -> list[dict[str, Any]]:
    endpoint_for(uow, actor, endpoint_id)
    loaded = uow.webhooks.message(msg_id)
    if loaded is None or loaded.record["endpoint_id"] != endpoint_id:
        raise NotFound(f"webhook message {msg_id} does not exist", field="msg_id")
    return uow.webhooks.attempts(msg_id)


COMMANDS = {ReplayWebhookMessages: replay, ForgetWebhookRecipient: forget_recipient}

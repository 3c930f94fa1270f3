"""A program's chat webhook: set, read and removed by an admin of that program. The URL is checked like a
subscriber webhook's (http(s), no internal address unless ``WEBHOOK_ALLOWED_HOSTS`` names the host), so
an admin cannot point the worker at an internal service (SSRF)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.notifications.store.uow import NotificationsUnitOfWork
from shared.auth import Principal
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.messages import Command, DomainEvent


def require_program_admin(uow: NotificationsUnitOfWork, principal: Principal, program_id: str) -> None:
    program = uow.people.program(program_id)
    if program is None:
        raise NotFound(f"no program {program_id} is known to notifications")
    if not (principal.has_any(("admin",)) and principal.subject in (program.get("admins") or [])):
        raise Forbidden(f"only the admins of program {program_id} may do this")


@dataclass(frozen=True)
class SetChatWebhook(Command):
    program_id: str
    url: str
    principal: Principal


@dataclass(frozen=True)
class RemoveChatWebhook(Command):
    program_id: str
    principal: Principal


@dataclass(frozen=True)
class ChatWebhookSet(DomainEvent):
    record: dict[str, Any]


def set_chat_webhook(command: SetChatWebhook, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    require_program_admin(uow, command.principal, command.program_id)
    refusal = uow.webhook_channel.sender.refusal(command.url)  # the webhooks' SSRF rule and allow-list
    if refusal:
        raise InvalidInput({"url": [refusal]})
    uow.chat_webhooks.put(command.program_id, command.url, command.principal.subject, uow.clock())
    return [ChatWebhookSet(uow.chat_webhooks.get(command.program_id))]


def remove_chat_webhook(command: RemoveChatWebhook, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    require_program_admin(uow, command.principal, command.program_id)
    if not uow.chat_webhooks.delete(command.program_id):
        raise NotFound(f"program {command.program_id} has no chat webhook")
    return []


COMMANDS = {SetChatWebhook: set_chat_webhook, RemoveChatWebhook: remove_chat_webhook}

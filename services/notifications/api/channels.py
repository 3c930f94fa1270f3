"""A program's chat channel: the Slack-compatible incoming-webhook URL its messages go to (admins of the
program set, read and remove it)."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.notifications.schemas.channels import ChatWebhookBody, ChatWebhookSchema
from services.notifications.service.channels import RemoveChatWebhook, SetChatWebhook, require_program_admin
from shared.app import current_bus
from shared.auth import current_principal, require_roles
from shared.errors import NotFound

blp = Blueprint(
    "channels", __name__, url_prefix="/v1/programs", description="A program's chat channel (incoming webhook)"
)


@blp.put("/<program_id>/chat-webhook")
@require_roles("admin")
@blp.arguments(ChatWebhookBody)
@blp.response(200, ChatWebhookSchema)
def put_chat_webhook(body: dict, program_id: str) -> dict:
    """Set the program's chat webhook (http(s); internal addresses are refused unless allow-listed)."""
    (saved,) = current_bus().handle(SetChatWebhook(program_id, body["url"], current_principal()))
    return saved.record


@blp.get("/<program_id>/chat-webhook")
@require_roles("admin")
@blp.response(200, ChatWebhookSchema)
def get_chat_webhook(program_id: str) -> dict:
    uow = current_bus().uow
    require_program_admin(uow, current_principal(), program_id)
    record = uow.chat_webhooks.get(program_id)
    if record is None:
        raise NotFound(f"program {program_id} has no chat webhook")
    return record


@blp.delete("/<program_id>/chat-webhook")
@require_roles("admin")
@blp.response(204)
def delete_chat_webhook(program_id: str) -> None:
    current_bus().handle(RemoveChatWebhook(program_id, current_principal()))

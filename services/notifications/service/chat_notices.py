"""A program's chat channel: the program-level notices ``routing.CHAT_ROUTES`` names, posted to the
incoming webhook its admins set (``uow.chat_webhooks``), one message per (cause event, program).

The channel is shared, so a chat message is rendered without a recipient's name and carries counts and
program facts only; a program without a chat webhook gets nothing. Chat has no quiet hours or digest:
the message is planned to go now, through the same delivery log and scheduler as e-mail.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.notifications.domain import preferences as prefs
from services.notifications.domain import rendering
from services.notifications.domain.delivery import Delivery
from services.notifications.domain.message import Message, message_id_of
from services.notifications.domain.routing import Route, chat_routes_for
from services.notifications.service.deliver import plan_delivery
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.contracts.types import NotificationFailed
from shared.messages import PublishedEvent

log = logging.getLogger(__name__)
CHAT = "chat"


def chat_recipient(program_id: str) -> str:
    """The delivery log's recipient of a program's chat messages (never a person)."""
    return f"program:{program_id}"


def _locale(program: dict[str, Any] | None) -> str:
    language = next(iter(((program or {}).get("rules") or {}).get("languages") or []), None)
    return prefs.choose_locale(None, None, language)


def _message(cause_event_id: str, cause: PublishedEvent, route: Route, url: str, now: datetime) -> Message:
    program_id = route.data["program_id"]
    recipient = chat_recipient(program_id)
    return Message(
        message_id=message_id_of(cause_event_id, recipient, CHAT),
        cause_event_id=cause_event_id,
        cause_type=cause.type,
        recipient=recipient,
        participant_id=None,
        program_id=program_id,
        channel=CHAT,
        category=route.category,
        urgent=route.urgent,
        template=route.template,
        locale="",
        subject="",
        text="",
        html=None,
        address=url,
        deliver_at=now,
    )


def tell_chat(
    uow: NotificationsUnitOfWork,
    cause_event_id: str,
    cause: PublishedEvent,
    program: dict[str, Any] | None,
    caused_at: datetime | None,
    base_url: str,
) -> int:
    """Plan the chat messages ``cause`` asks for; how many were new (a redelivered cause adds none)."""
    routes = chat_routes_for(type(cause), cause.data, program)
    program_id = cause.data.get("program_id")
    hook = uow.chat_webhooks.get(program_id) if routes and program_id else None
    if hook is None:
        return 0
    locale, now, planned = _locale(program), uow.clock(), 0
    base = base_url.rstrip("/")
    for route in routes:
        message = _message(cause_event_id, cause, route, hook["url"], now)
        context = {
            **route.data,
            "program_name": (program or {}).get("name") or program_id,
            "action_url": f"{base}/v1/programs/{program_id}",
            "preferences_url": f"{base}/v1/me/preferences",
        }
        try:
            rendered = rendering.render(route.template, locale, context)
        except (rendering.TemplateFailure, rendering.UnknownTemplate) as error:
            log.error("chat template failure for %s: %s", message.message_id, error)
            failed = Delivery(message, planned_at=now, updated_at=now).failed(str(error), now)
            uow.deliveries.plan(failed, [NotificationFailed(message.published_recipient, failed.outcome())])
            continue
        message = replace(message, locale=locale, subject=rendered.subject, text=rendered.text)
        planned += plan_delivery(uow, message, caused_at)
    return planned

"""The daily digest: the held non-urgent e-mails of one person for one local day, sent as one e-mail when
their digest hour comes (``notify`` holds them and schedules the "digest" item)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.notifications.domain import preferences as prefs
from services.notifications.domain import rendering
from services.notifications.domain.message import Message, message_id_of
from services.notifications.service.deliver import Dispatch, plan_delivery
from services.notifications.service.notify import DEFAULT_BASE_URL, DIGEST_KIND, _fail
from services.notifications.service.people import preferences_of
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.messages import Command, DomainEvent
from shared.schedule import DueItem


@dataclass(frozen=True)
class SendDigest(Command):
    """The held non-urgent e-mails of one person for one local day, as one e-mail."""

    recipient: str
    day: str
    base_url: str = DEFAULT_BASE_URL


def send_digest(command: SendDigest, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """One e-mail with every held message of the day; planned like any e-mail, then the holdings go (a
    crash between the two re-plans the same message id: nothing doubles)."""
    held = uow.digests.held(command.recipient, command.day)
    if not held:
        return []
    contact = uow.people.contact_of_employee(command.recipient) or {}
    if not contact.get("email"):
        uow.digests.release(command.recipient, command.day)
        return []
    chosen = preferences_of(uow, command.recipient)
    locale = prefs.choose_locale(contact.get("locale"), chosen.locale)
    base = command.base_url.rstrip("/")
    context = {
        "items": [{"subject": h["subject"], "text": h["text"]} for h in held],
        "recipient_name": contact.get("display_name"),
        "program_name": "",
        "action_url": f"{base}/v1/me/notifications",
        "preferences_url": f"{base}/v1/me/preferences",
    }
    now = uow.clock()
    cause = f"digest:{command.recipient}:{command.day}"
    message = Message(
        message_id=message_id_of(cause, command.recipient, "email"),
        cause_event_id=cause,
        cause_type=DIGEST_KIND,
        recipient=command.recipient,
        participant_id=None,
        program_id=None,
        channel="email",
        category="reminders",
        urgent=False,
        template="digest",
        locale=locale,
        subject="",
        text="",
        html=None,
        address=contact["email"],
        deliver_at=now,
    )
    try:
        rendered = rendering.render("digest", locale, context)
    except rendering.TemplateFailure as error:
        _fail(uow, message, str(error))
    else:
        plan_delivery(uow, replace(message, subject=rendered.subject, text=rendered.text, html=rendered.html))
    uow.digests.release(command.recipient, command.day)
    return []


def fire_digest(item: DueItem, dispatch: Dispatch) -> None:
    """The scheduler's handler of "digest" items."""
    payload = item.payload
    command = SendDigest(payload["recipient"], payload["day"], payload.get("base_url") or DEFAULT_BASE_URL)
    send_digest(command, dispatch.uow)


COMMANDS = {SendDigest: send_digest}

"""Recording notifications: a consumed event → routes (who, which template) → each person's preferences
(channels, locale, quiet hours, digest) → rendered messages → planned deliveries (``deliver.plan_delivery``:
in-app messages are the inbox, planned as sent; e-mails are scheduled at their ``deliver_at``) — and the
daily digest that sends held non-urgent e-mails as one.

One message per (cause event, recipient, channel): its id is the key of the delivery, the inbox item,
the held digest entry and the scheduled item, so a redelivered cause adds nothing. Nobody erased is
told anything (tombstones), and a template error fails that one delivery with its reason; the consumer
goes on.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import prometheus_client as metrics

from services.notifications.domain import preferences as prefs
from services.notifications.domain import rendering
from services.notifications.domain.delivery import Delivery
from services.notifications.domain.message import Message, message_id_of
from services.notifications.domain.routing import CATEGORIES, HR_INBOX, Audience, Route, knows, routes_for
from services.notifications.service.chat_notices import tell_chat
from services.notifications.service.deliver import Dispatch, plan_delivery
from services.notifications.service.people import preferences_of, timezone_of
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.contracts.types import ContactUpserted, NotificationFailed, ParticipantRegistered
from shared.messages import Command, DomainEvent, PublishedEvent
from shared.schedule import DueItem

log = logging.getLogger(__name__)
DIGEST_KIND = "digest"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
UNKNOWN_TYPES: Counter[str] = Counter()  # what arrived that no route knows (also the metric below)
UNROUTED = metrics.Counter(
    "notifications_unrouted_events_total", "Consumed events of a type no notification route knows", ["type"]
)
_unknown_lock = threading.Lock()


@dataclass(frozen=True)
class RecordNotifications(Command):
    """Tell the people an event concerns what happened, once per cause event, recipient and channel."""

    cause_event_id: str
    cause: PublishedEvent
    caused_at: datetime | None = None
    base_url: str = DEFAULT_BASE_URL


@dataclass(frozen=True)
class SendDigest(Command):
    """The held non-urgent e-mails of one person for one local day, as one e-mail."""

    recipient: str
    day: str
    base_url: str = DEFAULT_BASE_URL


@dataclass(frozen=True)
class Person:
    """A recipient resolved: inbox key, participation, how to reach them and where they live."""

    recipient: str
    participant_id: str | None
    name: str | None
    email: str | None
    locale: str
    timezone: str
    preferences: prefs.Preferences


def note_unknown(event_type: str) -> bool:
    """Count an event type no route knows; True the first time (log it once per type)."""
    UNROUTED.labels(event_type).inc()
    with _unknown_lock:
        UNKNOWN_TYPES[event_type] += 1
        return UNKNOWN_TYPES[event_type] == 1


def _person(
    uow: NotificationsUnitOfWork, audience: Audience, program: dict[str, Any] | None
) -> Person | None:
    """None for someone erased or whom intake never told us about."""
    if audience.participant_id:
        if uow.tombstones.erased(audience.participant_id):
            return None
        participant = uow.people.participant(audience.participant_id) or {}
        contact = uow.people.contact(audience.participant_id) or {}
        employee_id = participant.get("employee_id") or contact.get("employee_id")
        if not employee_id:
            log.warning("no employee id projected for a participant of program %s", audience.participant_id)
            return None
    elif audience.employee_id == HR_INBOX:
        return Person(HR_INBOX, None, None, None, prefs.DEFAULT_LOCALE, "UTC", prefs.Preferences())
    else:
        employee_id = audience.employee_id or ""
        contact = uow.people.contact_of_employee(employee_id) or {}
    chosen = preferences_of(uow, employee_id)
    program_language = next(iter(((program or {}).get("rules") or {}).get("languages") or []), None)
    return Person(
        recipient=employee_id,
        participant_id=audience.participant_id,
        name=contact.get("display_name"),
        email=contact.get("email"),
        locale=prefs.choose_locale(contact.get("locale"), chosen.locale, program_language),
        timezone=timezone_of(uow, employee_id, audience.participant_id),
        preferences=chosen,
    )


def _partner_name(uow: NotificationsUnitOfWork, audience: Audience) -> str | None:
    if not audience.partner_id or uow.tombstones.erased(audience.partner_id):
        return None
    return (uow.people.contact(audience.partner_id) or {}).get("display_name")


def _context(
    uow: NotificationsUnitOfWork, route: Route, person: Person, program: dict | None, base_url: str
) -> dict[str, Any]:
    base = base_url.rstrip("/")
    pairing = route.data.get("pairing_id")
    return {
        **route.data,
        "role": route.audience.role,
        "recipient_name": person.name,
        "partner_name": _partner_name(uow, route.audience),
        "program_name": (program or {}).get("name") or route.data.get("program_id") or "",
        "action_url": f"{base}/v1/pairings/{pairing}" if pairing else f"{base}/v1/me/notifications",
        "preferences_url": f"{base}/v1/me/preferences",
    }


def _message(
    command: RecordNotifications, route: Route, person: Person, channel: str, now: datetime
) -> Message:
    return Message(
        # a participant by participant id: the id is published (notification_id) and outlives erasure
        message_id=message_id_of(command.cause_event_id, person.participant_id or person.recipient, channel),
        cause_event_id=command.cause_event_id,
        cause_type=command.cause.type,
        recipient=person.recipient,
        participant_id=person.participant_id,
        program_id=route.data.get("program_id"),
        channel=channel,
        category=route.category,
        urgent=route.urgent,
        template=route.template,
        locale=person.locale,
        subject="",
        text="",
        html=None,
        address=person.email if channel == "email" else None,
        deliver_at=now,
    )


def _fail(uow: NotificationsUnitOfWork, message: Message, reason: str) -> None:
    """A template error: this delivery is recorded as failed with the reason (and its event)."""
    now = uow.clock()
    failed = Delivery(message, planned_at=now, updated_at=now).failed(reason, now)
    uow.deliveries.plan(failed, [NotificationFailed(message.published_recipient, failed.outcome())])


def _enrolment(command: RecordNotifications, uow: NotificationsUnitOfWork) -> RecordNotifications | None:
    """Enrolment is confirmed once per participant whichever of registration and contact details arrives
    last (they travel on different topics): both name the same cause, so the second finds the inbox
    item planned and only adds the e-mail the first could not address."""
    participant_id = command.cause.data["participant_id"]
    participant = uow.people.participant(participant_id)
    if participant is None or participant.get("status") != "enrolled":
        return None
    cause = ParticipantRegistered(participant_id, {**participant, "participant_id": participant_id})
    return replace(command, cause_event_id=f"enrolment:{participant_id}", cause=cause)


def record_notifications(command: RecordNotifications, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    if isinstance(command.cause, ParticipantRegistered | ContactUpserted):
        enrolment = _enrolment(command, uow)
        if enrolment is None:
            return []
        command = enrolment
    kind = type(command.cause)
    if not knows(kind):
        if note_unknown(kind.type):
            log.warning("no route for %s: ignored (counted, logged once per type)", kind.type)
        return []
    program_id = command.cause.data.get("program_id")
    program = uow.people.program(program_id) if program_id else None
    now = uow.clock()
    for route in routes_for(kind, command.cause.data, program):
        person = _person(uow, route.audience, program)
        if person is not None:
            _tell(uow, command, route, person, program, now)
    tell_chat(uow, command.cause_event_id, command.cause, program, command.caused_at, command.base_url)
    return []


def _tell(
    uow: NotificationsUnitOfWork,
    command: RecordNotifications,
    route: Route,
    person: Person,
    program: dict | None,
    now: datetime,
) -> None:
    channels = [c for c in ("in_app", "email") if person.preferences.allows(route.category, c)]
    if person.email is None or person.recipient == HR_INBOX:
        channels = [c for c in channels if c != "email"]
    rendered: rendering.Rendered | Exception | None = None  # the same for every channel: rendered once
    for channel in channels:
        message = _message(command, route, person, channel, now)
        if rendered is None:
            try:
                rendered = rendering.render(
                    route.template, person.locale, _context(uow, route, person, program, command.base_url)
                )
            except (rendering.TemplateFailure, rendering.UnknownTemplate) as error:
                rendered = error
        if isinstance(rendered, Exception):
            log.error("template failure for %s: %s", message.message_id, rendered)
            _fail(uow, message, str(rendered))
            continue
        html = rendered.html if channel == "email" else None
        message = replace(message, subject=rendered.subject, text=rendered.text, html=html)
        if channel == "in_app":
            # keyed by the cause's time, so a redelivered cause (one by one or in a batch) finds it
            uow.inbox.add(message, command.caused_at or now)
            plan_delivery(uow, message, command.caused_at)
        else:
            _email(uow, message, person, command.caused_at, command.base_url)


def _email(
    uow: NotificationsUnitOfWork, message: Message, person: Person, caused_at: datetime | None, base_url: str
) -> None:
    """Held for the digest when it is not urgent and the person wants one; else sent now or at the end
    of their quiet hours (escalations do not wait)."""
    tz = prefs.zone(person.timezone)
    now = message.deliver_at
    chosen = person.preferences
    if chosen.digest and not message.urgent:
        due = prefs.next_digest_at(now, chosen.digest_hour, tz)
        day = prefs.digest_day(due, tz)
        uow.digests.hold(person.recipient, day, message)
        payload = {"recipient": person.recipient, "day": day, "base_url": base_url}
        uow.schedule.schedule(f"digest:{person.recipient}:{day}", DIGEST_KIND, due, payload)
        return
    if CATEGORIES[message.category].quiet:
        message = replace(message, deliver_at=prefs.deliver_at(now, chosen.quiet_hours, tz))
    plan_delivery(uow, message, caused_at)


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


COMMANDS = {RecordNotifications: record_notifications, SendDigest: send_digest}

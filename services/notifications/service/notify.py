"""Recording notifications: a consumed event → routes (who, which template) → each person's preferences
(channels, locale, quiet hours, digest) → rendered messages → planned deliveries (``deliver.plan_delivery``:
in-app messages are the inbox, planned as sent; e-mails are scheduled at their ``deliver_at``) — and the
daily digest that sends held non-urgent e-mails as one.

One message per (cause event, recipient, channel): its id is the key of the delivery, the inbox item,
the held digest entry and the scheduled item, so a redelivered cause adds nothing. Nobody erased is
told anything (tombstones), and a template error fails that one delivery with its reason; the consumer
goes on.

An event naming a participant whose registration has not reached notifications yet (it travels on another
topic, and a consumer catching up may read the pairing first) is recorded again later
(``AWAITING_KIND`` items, every ``AWAIT_RETRY`` for up to ``AWAIT_AT_MOST``): the people already told are
not told twice, the one who was missing is told once known.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
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
from shared.events.registry import REGISTRY
from shared.messages import Command, DomainEvent, PublishedEvent
from shared.schedule import DueItem

log = logging.getLogger(__name__)
DIGEST_KIND = "digest"
AWAITING_KIND = "awaiting_participant"
AWAIT_RETRY = timedelta(seconds=5)
AWAIT_AT_MOST = timedelta(hours=1)
AWAIT_GAVE_UP = metrics.Counter(
    "notifications_awaiting_gave_up_total",
    "Events whose participant never became known to notifications within the wait (nobody told)",
)
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
    awaiting_since: datetime | None = None  # set when recorded again while waiting for a participant


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


class NotYetKnown(Exception):
    """A participant the event names has not been projected yet (their registration is still on its way)."""


def _person(
    uow: NotificationsUnitOfWork, audience: Audience, program: dict[str, Any] | None
) -> Person | None:
    """None for someone erased; ``NotYetKnown`` for a participant intake has not told us about yet."""
    if audience.participant_id:
        if uow.tombstones.erased(audience.participant_id):
            return None
        participant = uow.people.participant(audience.participant_id) or {}
        contact = uow.people.contact(audience.participant_id) or {}
        employee_id = participant.get("employee_id") or contact.get("employee_id")
        if not employee_id:
            raise NotYetKnown(audience.participant_id)
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
    missing: list[str] = []
    for route in routes_for(kind, command.cause.data, program):
        try:
            person = _person(uow, route.audience, program)
        except NotYetKnown as unknown:
            missing.append(str(unknown))
            continue
        if person is not None:
            _tell(uow, command, route, person, program, now)
    tell_chat(uow, command.cause_event_id, command.cause, program, command.caused_at, command.base_url)
    if missing:
        _await(uow, command, missing[0], now)
    return []


def _await(
    uow: NotificationsUnitOfWork, command: RecordNotifications, participant_id: str, now: datetime
) -> None:
    """Record the cause again in ``AWAIT_RETRY`` (the item names the participant, so their erasure cancels
    it); after ``AWAIT_AT_MOST`` of waiting, give up, logged and counted."""
    since = command.awaiting_since or now
    if now - since >= AWAIT_AT_MOST:
        AWAIT_GAVE_UP.inc()
        log.error(
            "participant %s never became known: %s not told to them", participant_id, command.cause.type
        )
        return
    payload = {
        "participant_id": participant_id,
        "cause_event_id": command.cause_event_id,
        "type": command.cause.type,
        "key": command.cause.key,
        "data": command.cause.data,
        "caused_at": command.caused_at.isoformat() if command.caused_at else None,
        "base_url": command.base_url,
        "since": since.isoformat(),
    }
    item_id = f"awaiting:{command.cause_event_id}"
    uow.schedule.schedule(item_id, AWAITING_KIND, now + AWAIT_RETRY, payload)


def fire_awaiting(item: DueItem, dispatch: Dispatch) -> None:
    """The scheduler's handler of "awaiting_participant" items: the cause recorded again."""
    payload = item.payload
    event_class = REGISTRY.get(payload["type"]).event_class
    assert event_class is not None
    caused_at = payload.get("caused_at")
    command = RecordNotifications(
        payload["cause_event_id"],
        event_class(payload["key"], payload["data"]),
        datetime.fromisoformat(caused_at) if caused_at else None,
        payload.get("base_url") or DEFAULT_BASE_URL,
        awaiting_since=datetime.fromisoformat(payload["since"]),
    )
    record_notifications(command, dispatch.uow)


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


COMMANDS = {RecordNotifications: record_notifications}

"""Recording the notifications of many consumed events at once (a polled Kafka batch).

``RecordNotificationsBatch`` runs the same ``record_notifications`` for each event, in order, over a view
of the unit of work that (1) answers the routing's reads from a few ``_id $in`` reads made up front
(programs, tombstones, participants, contacts, the people lists, preferences) instead of one read per
person and field, and (2) gathers the writes and makes them in bulk at the end, in the order that keeps a
crash harmless: inbox items, then the deliveries (one unordered insert; one already planned is kept as
it is), then their scheduled items (due now: claimed by this worker's scheduler and handed to it, see
``scheduler.WakingSchedule``). A crash anywhere leaves the batch to be redelivered, which finds what was
written (the inbox by item id, the deliveries by message id) and adds only the rest.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.notifications.domain.delivery import PLANNED, SENT, Delivery
from services.notifications.domain.message import Message, message_id_of
from services.notifications.domain.routing import HR_INBOX, routes_for
from services.notifications.metrics import DELIVERED, NOTIFICATIONS_DELIVERED
from services.notifications.service.deliver import INTENT_WRITTEN
from services.notifications.service.deliver import KIND as DELIVERY
from services.notifications.service.notify import RecordNotifications, record_notifications
from services.notifications.service.webhooks.delivery import FanOutWebhooks, fan_out
from services.notifications.store.people import CONTACTS, HIDDEN, PARTICIPANTS, PEOPLE, PROGRAMS
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.messages import Command, DomainEvent, PublishedEvent
from shared.projection import VERSION_FIELD
from shared.schedule import DueItem, due_item

EMAIL = "email"


@dataclass(frozen=True)
class RecordNotificationsBatch(Command):
    """What consecutive events ask for (``RecordNotifications``, ``FanOutWebhooks``), in their order;
    the same outcome as one by one."""

    commands: tuple[Command, ...]


def record_many(command: RecordNotificationsBatch, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    view = BatchView(uow)
    view.preload(tuple(c for c in command.commands if isinstance(c, RecordNotifications)))
    for one in command.commands:
        if isinstance(one, RecordNotifications):
            record_notifications(one, view)  # type: ignore[arg-type]
        elif isinstance(one, FanOutWebhooks):
            fan_out(one, view)  # type: ignore[arg-type]
        else:
            raise TypeError(f"{type(one).__name__} is not recorded in batches")
    view.flush()
    return []


def _visible(document: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in document.items() if k not in HIDDEN}


class _Directory:
    """The directory's reads from documents read in bulk; anything not preloaded is read as usual."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.loaded: dict[str, dict[str, dict[str, Any] | None]] = {
            PROGRAMS: {},
            PARTICIPANTS: {},
            CONTACTS: {},
            PEOPLE: {},
        }

    def load(self, collection: str, ids: set[str]) -> None:
        known = self.loaded[collection]
        wanted = {i for i in ids if i and i not in known}
        if wanted:
            found = self.inner.documents_of(collection, wanted)
            known.update({i: found.get(i) for i in wanted})

    def _get(self, collection: str, key: str | None) -> tuple[bool, dict[str, Any] | None]:
        known = self.loaded[collection]
        return (key in known, known.get(key)) if key is not None else (False, None)

    def program(self, program_id: str) -> dict[str, Any] | None:
        hit, document = self._get(PROGRAMS, program_id)
        if not hit:
            return self.inner.program(program_id)
        return None if document is None else _visible(document)

    def participant(self, participant_id: str) -> dict[str, Any] | None:
        hit, document = self._get(PARTICIPANTS, participant_id)
        if not hit:
            return self.inner.participant(participant_id)
        return None if document is None else {**_visible(document), "participant_id": participant_id}

    def contact(self, participant_id: str) -> dict[str, Any] | None:
        hit, document = self._get(CONTACTS, participant_id)
        if not hit:
            return self.inner.contact(participant_id)
        return None if document is None else _visible(document)

    def _latest(self, collection: str, employee_id: str) -> list[dict[str, Any]] | None:
        hit, person = self._get(PEOPLE, employee_id)
        ids = (person or {}).get("participant_ids") or []
        known = self.loaded[collection]
        if not hit or any(i not in known for i in ids):
            return None
        documents = [known[i] for i in ids if known[i] is not None]
        documents.sort(key=lambda d: d.get(VERSION_FIELD) or datetime.min, reverse=True)
        return [{**_visible(d), "participant_id": d["_id"]} for d in documents]

    def participants_of(self, employee_id: str) -> list[dict[str, Any]]:
        found = self._latest(PARTICIPANTS, employee_id)
        return self.inner.participants_of(employee_id) if found is None else found

    def contact_of_employee(self, employee_id: str) -> dict[str, Any] | None:
        found = self._latest(CONTACTS, employee_id)
        return self.inner.contact_of_employee(employee_id) if found is None else next(iter(found), None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Preferences:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.loaded: dict[str, dict[str, Any] | None] = {}

    def load(self, employee_ids: set[str]) -> None:
        wanted = {i for i in employee_ids if i and i not in self.loaded}
        if wanted:
            found = self.inner.get_many(wanted)
            self.loaded.update({i: found.get(i) for i in wanted})

    def get(self, employee_id: str) -> dict[str, Any] | None:
        if employee_id in self.loaded:
            return copy.deepcopy(self.loaded[employee_id])
        return self.inner.get(employee_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Tombstones:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.checked: set[str] = set()
        self.erased_ids: set[str] = set()

    def load(self, participant_ids: set[str]) -> None:
        wanted = {i for i in participant_ids if i and i not in self.checked}
        if wanted:
            self.erased_ids |= self.inner.erased_among(wanted)
            self.checked |= wanted

    def erased(self, participant_id: str) -> bool:
        if participant_id in self.checked:
            return participant_id in self.erased_ids
        return self.inner.erased(participant_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Gathered:
    """A store whose adding calls are kept for one bulk write; every other call goes to the store."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.inbox: list[tuple[Message, datetime]] = []
        self.planned: dict[str, tuple[Delivery, list[PublishedEvent]]] = {}
        self.items: list[DueItem] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Inbox(_Gathered):
    def add(self, message: Message, created: datetime) -> bool:
        self.inbox.append((message, created))
        return True


class _Deliveries(_Gathered):
    def plan(self, delivery: Delivery, events: Any = ()) -> bool:
        """Counted at the flush, when it is known whether it was new."""
        self.planned.setdefault(delivery.message_id, (delivery, list(events)))
        return False


class _Schedule(_Gathered):
    def schedule(
        self, item_id: str, kind: str, due_at: datetime, payload: dict[str, Any], attempt: int = 0
    ) -> bool:
        self.items.append(due_item(item_id, kind, due_at, copy.deepcopy(payload), attempt))
        return True


class _Webhooks(_Gathered):
    """Subscribers read once per event type for the batch."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.subscribed: dict[str, list[dict[str, Any]]] = {}

    def subscribers(self, event_type: str) -> list[dict[str, Any]]:
        if event_type not in self.subscribed:
            self.subscribed[event_type] = self.inner.subscribers(event_type)
        return copy.deepcopy(self.subscribed[event_type])


class BatchView:
    """The unit of work ``record_notifications`` sees while a batch is recorded."""

    def __init__(self, uow: NotificationsUnitOfWork) -> None:
        self.uow = uow
        self.people = _Directory(uow.people)
        self.preferences = _Preferences(uow.preferences)
        self.tombstones = _Tombstones(uow.tombstones)
        self.inbox = _Inbox(uow.inbox)
        self.deliveries = _Deliveries(uow.deliveries)
        self.schedule = _Schedule(uow.schedule)
        self.webhooks = _Webhooks(uow.webhooks)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.uow, name)

    def preload(self, commands: tuple[RecordNotifications, ...]) -> None:
        """The reads routing will make, in one ``_id $in`` read per collection."""
        datas = [c.cause.data for c in commands]
        self.people.load(PROGRAMS, {d.get("program_id") for d in datas if d.get("program_id")})
        participants: set[str] = set()
        employees: set[str] = set()
        for one in commands:
            data = one.cause.data
            program = self.people.program(data["program_id"]) if data.get("program_id") else None
            for route in routes_for(type(one.cause), data, program):
                audience = route.audience
                participants |= {audience.participant_id, audience.partner_id} - {None}
                if audience.employee_id and audience.employee_id != HR_INBOX:
                    employees.add(audience.employee_id)
        self.tombstones.load(participants)
        self.people.load(PARTICIPANTS, participants)
        self.people.load(CONTACTS, participants)
        lists: set[str] = set(employees)  # whose time zone or contact comes from their other participations
        for pid in participants:
            participant = self.people.participant(pid) or {}
            contact = self.people.contact(pid) or {}
            employee = participant.get("employee_id") or contact.get("employee_id")
            if employee:
                employees.add(employee)
                if not participant.get("timezone"):
                    lists.add(employee)
        self.preferences.load(employees)
        self.people.load(PEOPLE, lists)
        listed = {
            i for e in lists for i in (self.people.loaded[PEOPLE].get(e) or {}).get("participant_ids", [])
        }
        self.people.load(PARTICIPANTS, listed)
        self.people.load(CONTACTS, listed)

    def flush(self) -> None:
        """The gathered writes, in bulk, in crash-safe order (module docstring)."""
        planned = self.deliveries.planned
        existing = self.uow.deliveries.get_many(planned)
        inbox = [
            (message, created)
            for message, created in self.inbox.inbox
            if message_id_of(message.cause_event_id, message.published_recipient, "in_app") not in existing
        ]
        if inbox:
            self.uow.inbox.add_many(inbox)
        fresh = [(d, events) for key, (d, events) in planned.items() if key not in existing]
        fresh, intents = self._sending_now(fresh)
        refused = self.uow.deliveries.plan_many(fresh) if fresh else set()
        for delivery, _ in fresh:
            inbox_item = delivery.message.channel == "in_app" and delivery.status == SENT
            if inbox_item and delivery.message_id not in refused:
                NOTIFICATIONS_DELIVERED.labels("in_app", DELIVERED).inc()
        items = [
            _with_intent(item, intents)
            for item in self.schedule.items
            if item.kind != DELIVERY or not _finished(existing.get(item.payload.get("message_id")))
        ]
        if items:
            self.uow.schedule.schedule_many(items)

    def _sending_now(self, fresh: list) -> tuple[list, set[str]]:
        """E-mails due now that this worker's scheduler is handed at once are planned with their intent
        ("sending", attempt 1) already written: the plan is the record made before the send, so the
        scheduler need not write it again (``deliver.fire_deliveries``). Should the worker die before
        the send, the item is claimed again when its lease runs out and the mail goes out with the same
        ``Message-ID``. Other channels (chat cannot recognise a repeat) keep the separate intent."""
        if not getattr(self.uow.schedule, "hands_off", False):
            return fresh, set()
        now = self.uow.clock()
        intents: set[str] = set()
        planned = []
        for delivery, events in fresh:
            message = delivery.message
            if message.channel == EMAIL and message.deliver_at <= now and delivery.status == PLANNED:
                delivery = delivery.sending(now)
                intents.add(delivery.message_id)
            planned.append((delivery, events))
        return planned, intents


def _with_intent(item: DueItem, intents: set[str]) -> DueItem:
    if item.kind != DELIVERY or item.payload.get("message_id") not in intents:
        return item
    return replace(item, payload={**item.payload, INTENT_WRITTEN: True})


def _finished(loaded: Any) -> bool:
    """A delivery planned and finished before (a redelivered cause): its send item would just end."""
    return loaded is not None and loaded.delivery.final


COMMANDS = {RecordNotificationsBatch: record_many}

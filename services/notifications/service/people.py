"""Who people are, as intake's events say: programs, participants and contacts kept as order-tolerant
projections, each person's preferences, and erasure (``participant.erased`` / ``contact.erased``): the
person's projections, preferences, inbox, held digest messages, scheduled items and the personal data of
their delivery log go, their name and address are redacted where another person's message quotes them,
and a tombstone makes every later event about them create nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.notifications.domain import preferences as prefs
from services.notifications.domain.routing import CATEGORIES
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.errors import Conflict
from shared.messages import Command, DomainEvent, ForgetParticipant

log = logging.getLogger(__name__)
REDACTED = "[erased]"
PROGRAM_FIELDS = ("name", "admins", "focus_areas", "status", "rules")
PARTICIPANT_FIELDS = ("program_id", "employee_id", "role", "timezone", "status")
CONTACT_FIELDS = ("program_id", "employee_id", "display_name", "email", "locale")


@dataclass(frozen=True)
class ProjectProgram(Command):
    program_id: str
    data: dict[str, Any]
    when: datetime
    event_id: str


@dataclass(frozen=True)
class ProjectParticipant(Command):
    """A registration, profile change or withdrawal (``data`` holds the fields the event carries)."""

    participant_id: str
    data: dict[str, Any]
    when: datetime
    event_id: str


@dataclass(frozen=True)
class ProjectContact(Command):
    participant_id: str
    data: dict[str, Any]
    when: datetime
    event_id: str


@dataclass(frozen=True)
class SavePreferences(Command):
    """A person changes their preferences (validated against the rules: mandatory stays on)."""

    employee_id: str
    change: dict[str, Any]


@dataclass(frozen=True)
class Unsubscribe(Command):
    """One-click unsubscribe from an e-mail: this channel off for this category."""

    employee_id: str
    category: str
    channel: str


@dataclass(frozen=True)
class PreferencesSaved(DomainEvent):
    employee_id: str
    preferences: prefs.Preferences


def _pick(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}


def project_program(command: ProjectProgram, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    uow.people.save_program(
        command.program_id, _pick(command.data, PROGRAM_FIELDS), command.when, command.event_id
    )
    return []


def project_participant(command: ProjectParticipant, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """Nothing for an erased participant: a replayed registration must not bring them back."""
    if uow.tombstones.erased(command.participant_id):
        return []
    fields = _pick(command.data, PARTICIPANT_FIELDS)
    uow.people.save_participant(command.participant_id, fields, command.when, command.event_id)
    return []


def project_contact(command: ProjectContact, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    if uow.tombstones.erased(command.participant_id):
        return []
    fields = _pick(command.data, CONTACT_FIELDS)
    uow.people.save_contact(command.participant_id, fields, command.when, command.event_id)
    return []


def preferences_of(uow: NotificationsUnitOfWork, employee_id: str) -> prefs.Preferences:
    return prefs.Preferences.from_record(uow.preferences.get(employee_id))


def timezone_of(uow: NotificationsUnitOfWork, employee_id: str, participant_id: str | None = None) -> str:
    """The time zone intake has for this participant, else the person's latest, else UTC."""
    participant = uow.people.participant(participant_id) if participant_id else None
    if participant and participant.get("timezone"):
        return participant["timezone"]
    latest = next(iter(uow.people.participants_of(employee_id)), None) if employee_id else None
    return (latest or {}).get("timezone") or "UTC"


def save_preferences(command: SavePreferences, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """InvalidInput (422, naming each field) leaves the stored preferences as they were."""
    changed = prefs.updated(preferences_of(uow, command.employee_id), command.change)
    uow.preferences.put(command.employee_id, changed.to_record())
    return [PreferencesSaved(command.employee_id, changed)]


def unsubscribe(command: Unsubscribe, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """Conflict (409) for a mandatory category: transactional messages cannot be switched off."""
    if CATEGORIES[command.category].mandatory:
        raise Conflict(f"{command.category} messages are mandatory and cannot be switched off")
    changed = preferences_of(uow, command.employee_id).without(command.category, command.channel)
    uow.preferences.put(command.employee_id, changed.to_record())
    return [PreferencesSaved(command.employee_id, changed)]


def forget_participant(command: ForgetParticipant, uow: NotificationsUnitOfWork) -> list[DomainEvent]:
    """Idempotent: the tombstone goes first, so an event racing the erasure finds it; a replay finds
    nothing left. The person's own data (preferences, whole inbox) goes when no other participation of
    theirs remains; while one does, only what belongs to this participation goes."""
    participant_id = command.participant_id
    participant = uow.people.participant(participant_id) or {}
    contact = uow.people.contact(participant_id) or {}
    employee_id = participant.get("employee_id") or contact.get("employee_id")
    uow.tombstones.bury(participant_id)
    uow.people.forget(participant_id)
    whole_person = bool(employee_id) and not uow.people.participants_of(employee_id)
    recipient = employee_id if whole_person else None
    uow.inbox.forget(recipient, participant_id)
    uow.digests.forget(recipient, participant_id)
    uow.schedule.cancel("participant_id", participant_id)
    if recipient:
        uow.schedule.cancel("recipient", recipient)
        uow.preferences.delete(recipient)
    words = [w for w in (contact.get("display_name"), contact.get("email")) if w]
    uow.deliveries.scrub(participant_id, recipient, words, REDACTED)
    uow.inbox.redact(words, REDACTED)
    uow.digests.redact(words, REDACTED)
    log.info("participant erased from notifications (whole person: %s)", whole_person)
    return []


COMMANDS = {
    ProjectProgram: project_program,
    ProjectParticipant: project_participant,
    ProjectContact: project_contact,
    SavePreferences: save_preferences,
    Unsubscribe: unsubscribe,
    ForgetParticipant: forget_participant,
}

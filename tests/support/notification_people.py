"""A small cast for notifications' tests: one program with an admin, a leader and a junior (participants and
contacts as intake publishes them), and envelopes of the events notifications consumes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.types import (
    ContactUpserted,
    ParticipantRegistered,
    ProgramCreated,
)
from shared.events.envelope import Event
from shared.messages import PublishedEvent

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
_ids = itertools.count(1)

PROGRAM = {
    "program_id": "prog-1",
    "name": "Digital leadership",
    "status": "running",
    "focus_areas": ["social-media"],
    "admins": ["A1"],
    "rules": {"languages": ["en"]},
}


def participant(participant_id: str, employee_id: str, role: str, timezone: str = "Europe/Paris") -> dict:
    return {
        "participant_id": participant_id,
        "program_id": "prog-1",
        "employee_id": employee_id,
        "role": role,
        "level": 10 if role == "leader" else 3,
        "timezone": timezone,
        "languages": ["en"],
        "consent": {"matching": True, "data_processing": True},
        "status": "enrolled",
    }


def contact(participant_id: str, employee_id: str, name: str, email: str, locale: str | None = "en") -> dict:
    return {
        "participant_id": participant_id,
        "program_id": "prog-1",
        "employee_id": employee_id,
        "display_name": name,
        "email": email,
        "locale": locale,
    }


LEADER = participant("L1", "E-LEAD", "leader")
JUNIOR = participant("J1", "E-JUN", "junior", "America/New_York")
LEADER_CONTACT = contact("L1", "E-LEAD", "Lea Leader", "lea.leader@example.com")
JUNIOR_CONTACT = contact("J1", "E-JUN", "Jules Junior", "jules.junior@example.com", "fr")


def envelope(event: PublishedEvent, at: datetime | None = None) -> Event:
    """The event as a consumer receives it, with a unique id and a time (projections order by it)."""
    made = event.envelope("/tests")
    moment = at or START + timedelta(seconds=next(_ids))
    return Event(**{**made.__dict__, "time": moment.isoformat().replace("+00:00", "Z")})


def cast() -> list[Event]:
    """The program, both participants and their contacts."""
    return [
        envelope(ProgramCreated("prog-1", PROGRAM)),
        envelope(ParticipantRegistered("L1", LEADER)),
        envelope(ParticipantRegistered("J1", JUNIOR)),
        envelope(ContactUpserted("L1", LEADER_CONTACT)),
        envelope(ContactUpserted("J1", JUNIOR_CONTACT)),
    ]


def pairing(state: str, **extra: Any) -> dict:
    return {
        "pairing_id": "pr-1",
        "program_id": "prog-1",
        "leader_id": "L1",
        "junior_id": "J1",
        "state": state,
        **extra,
    }

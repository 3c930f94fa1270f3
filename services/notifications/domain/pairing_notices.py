"""Which events reach whom, through which template: pure rules, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, StrictUndefined

from services.notifications.domain.message import Message, message_id_of
from shared.contracts.types import PairingActivated, PairingEnded, PairingPublished
from shared.messages import PublishedEvent

_templates = Environment(autoescape=True, undefined=StrictUndefined)


@dataclass(frozen=True)
class Template:
    name: str
    subject: str
    body: str


TEMPLATES: dict[type[PublishedEvent], Template] = {
    PairingPublished: Template(
        "pairing_published",
        "You have a reverse-mentoring match",
        "You have been paired in program {{ program_id }}. Please accept or decline your match.",
    ),
    PairingActivated: Template(
        "pairing_activated",
        "Your reverse-mentoring pairing is active",
        "Both of you accepted. Set your two-way goals and book your first session.",
    ),
    PairingEnded: Template(
        "pairing_ended",
        "Your pairing has ended",
        "Your pairing ended ({{ reason or end_kind or 'planned end' }}).",
    ),
}


def notifications_for(cause_event_id: str, cause: PublishedEvent, at: datetime) -> list[Message]:
    """Both members of a pairing hear about its publication, activation and end (in-app channel)."""
    template = TEMPLATES.get(type(cause))
    if template is None:
        return []
    data = cause.data
    subject = _templates.from_string(template.subject).render(**data)
    body = _templates.from_string(template.body).render(**data)
    return [
        Message(
            message_id=message_id_of(cause_event_id, recipient, "in_app"),
            cause_event_id=cause_event_id,
            cause_type=cause.type,
            recipient=recipient,
            participant_id=recipient,
            program_id=data.get("program_id"),
            channel="in_app",
            category="pairing",
            urgent=False,
            template=template.name,
            locale="en",
            subject=subject,
            text=body,
            html=None,
            address=None,
            deliver_at=at,
        )
        for recipient in (data["leader_id"], data["junior_id"])
    ]

"""Which events reach whom, through which template: pure rules, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, StrictUndefined

from shared.contracts.types import PairingActivated, PairingEnded, PairingPublished
from shared.messages import PublishedEvent
from shared.records import pick

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
        "pairing_ended", "Your pairing has ended", "Your pairing ended ({{ reason or 'planned end' }})."
    ),
}


@dataclass(frozen=True)
class Notification:
    """One message to one recipient on one channel; its id makes redelivery harmless."""

    notification_id: str
    recipient_id: str
    channel: str
    template: str
    subject: str
    body: str
    cause_event_id: str

    def outcome(self) -> dict[str, Any]:
        """The payload of the outcome event: ids and template only, never the rendered text."""
        return pick(self, "notification_id", "recipient_id", "channel", "template", "cause_event_id")


def notifications_for(cause_event_id: str, cause: PublishedEvent) -> list[Notification]:
    """Both members of a pairing hear about its publication, activation and end (in-app channel)."""
    template = TEMPLATES.get(type(cause))
    if template is None:
        return []
    data = cause.data
    subject = _templates.from_string(template.subject).render(**data)
    body = _templates.from_string(template.body).render(**data)
    return [
        Notification(
            f"{cause_event_id}:{recipient}:in_app",
            recipient,
            "in_app",
            template.name,
            subject,
            body,
            cause_event_id,
        )
        for recipient in (data["leader_id"], data["junior_id"])
    ]

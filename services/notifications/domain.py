"""Which events reach whom, through which template: pure rules, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, StrictUndefined

_templates = Environment(autoescape=True, undefined=StrictUndefined)

TEMPLATES: dict[str, tuple[str, str]] = {
    "pairing_published": (
        "You have a reverse-mentoring match",
        "You have been paired in program {{ program_id }}. Please accept or decline your match.",
    ),
    "pairing_activated": (
        "Your reverse-mentoring pairing is active",
        "Both of you accepted. Set your two-way goals and book your first session.",
    ),
    "pairing_ended": ("Your pairing has ended", "Your pairing ended ({{ reason or 'planned end' }})."),
}

EVENT_TEMPLATES = {
    "mentoring.pairing.published.v1": "pairing_published",
    "mentoring.pairing.activated.v1": "pairing_activated",
    "mentoring.pairing.ended.v1": "pairing_ended",
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


def notifications_for(event_id: str, event_type: str, data: dict[str, Any]) -> list[Notification]:
    """Both members of a pairing hear about its publication, activation and end (in-app channel)."""
    template = EVENT_TEMPLATES.get(event_type)
    if template is None:
        return []
    subject_text, body_text = TEMPLATES[template]
    subject = _templates.from_string(subject_text).render(**data)
    body = _templates.from_string(body_text).render(**data)
    recipients = [data["leader_id"], data["junior_id"]]
    return [
        Notification(f"{event_id}:{recipient}:in_app", recipient, "in_app", template, subject, body, event_id)
        for recipient in recipients
    ]

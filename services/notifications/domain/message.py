"""The one value object every part of notifications passes around: a rendered message to one recipient
on one channel. Its ``message_id`` is the key everywhere (delivery document, e-mail ``Message-ID``,
``webhook-id``), so one cause event reaches one recipient on one channel at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

CHANNELS = ("in_app", "email", "chat")


def message_id_of(cause_event_id: str, recipient: str, channel: str) -> str:
    return f"{cause_event_id}:{recipient}:{channel}"


@dataclass(frozen=True)
class Message:
    """``recipient`` is the inbox key (an employee id, or ``role:hr``); ``address`` is the e-mail address
    or chat webhook URL (None in-app); ``html`` is None for in-app and chat."""

    message_id: str
    cause_event_id: str
    cause_type: str
    recipient: str
    participant_id: str | None
    program_id: str | None
    channel: str
    category: str
    urgent: bool
    template: str
    locale: str
    subject: str
    text: str
    html: str | None
    address: str | None
    deliver_at: datetime

    @property
    def published_recipient(self) -> str:
        """Whom ids and events name: a participant by their participant id, so no employee id of theirs
        is left on the log after their erasure; anyone else as ``recipient``."""
        return self.participant_id or self.recipient

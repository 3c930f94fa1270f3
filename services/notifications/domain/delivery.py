"""One message's delivery and the states it moves through: pure rules, no I/O.

    planned ──► sending ──► sent
                  │  ▲
                  ▼  │
               retrying ──► failed (with the reason)

The intent ("sending", with the attempt counted) is written before the channel is called and the outcome
after, so a worker that dies in between leaves a delivery in "sending". Whoever picks it up next resends
only on a channel where the receiver recognises the repeat (e-mail: the same ``Message-ID``; webhooks:
the same ``webhook-id``). A chat incoming webhook has no idempotency key, so an interrupted chat send is
not posted again: it ends as failed with the reason "outcome unknown", visible in the delivery log,
and an admin may resend it (at most one post rather than possibly two in a shared channel).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from services.notifications.domain.message import Message

PLANNED, SENDING, SENT, RETRYING, FAILED = "planned", "sending", "sent", "retrying", "failed"
STATES = (PLANNED, SENDING, SENT, RETRYING, FAILED)
FINAL = (SENT, FAILED)
UNKNOWN_OUTCOME = "outcome unknown: the worker stopped mid-send and this channel cannot recognise a repeat"
MAIL_DOMAIN = "notifications.reverse-mentoring"


def email_message_id(message_id: str) -> str:
    """The e-mail ``Message-ID`` of a message: the same for every attempt, so a repeat is recognisable."""
    return f"<{hashlib.sha256(message_id.encode()).hexdigest()[:32]}@{MAIL_DOMAIN}>"


def resend_id(original_id: str, resend_count: int) -> str:
    """A resend is a new message (a new ``Message-ID``) derived from the original and its resend count, so
    repeating the same resend request is harmless and each deliberate resend is distinct."""
    return f"{original_id}:resend:{resend_count}"


class DeliveryError(Exception):
    """A channel refused or could not take a message; ``permanent`` ends the delivery at once."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class RetryPolicy:
    """Delays before the 2nd, 3rd, … attempt; after the last one the delivery fails."""

    delays_s: tuple[float, ...] = (5.0, 30.0, 300.0, 1800.0, 7200.0)

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` tries, or None when they are used up."""
        if attempts > len(self.delays_s):
            return None
        return now + timedelta(seconds=self.delays_s[attempts - 1])


@dataclass(frozen=True)
class Delivery:
    """A message and where its delivery stands; ``caused_at`` is the cause event's time (latency)."""

    message: Message
    status: str = PLANNED
    attempts: int = 0
    error: str | None = None
    planned_at: datetime | None = None
    updated_at: datetime | None = None
    sent_at: datetime | None = None
    caused_at: datetime | None = None
    resends: int = 0
    resend_of: str | None = None

    @property
    def message_id(self) -> str:
        return self.message.message_id

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def sending(self, at: datetime) -> Delivery:
        """The intent: this attempt is about to call the channel."""
        if self.final:
            raise ValueError(f"delivery {self.message_id} is already {self.status}")
        return replace(self, status=SENDING, attempts=self.attempts + 1, updated_at=at)

    def sent(self, at: datetime) -> Delivery:
        return replace(self, status=SENT, error=None, updated_at=at, sent_at=at)

    def retrying(self, reason: str, at: datetime) -> Delivery:
        return replace(self, status=RETRYING, error=reason, updated_at=at)

    def failed(self, reason: str, at: datetime) -> Delivery:
        return replace(self, status=FAILED, error=reason, updated_at=at)

    def resent(self) -> Delivery:
        return replace(self, resends=self.resends + 1)

    def outcome(self) -> dict[str, Any]:
        """The payload of ``notification.delivered`` / ``.failed``: ids and template, never the text."""
        return {
            "notification_id": self.message_id,
            "recipient_id": self.message.published_recipient,
            "channel": self.message.channel,
            "template": self.message.template,
            "cause_event_id": self.message.cause_event_id,
            "error": self.error,
            "attempts": self.attempts,
        }

    def record(self) -> dict[str, Any]:
        """The stored shape: the message's fields flat beside the delivery's, so both can be filtered."""
        state = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "message"}
        return {**asdict(self.message), **state}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Delivery:
        message = Message(**{f.name: record.get(f.name) for f in fields(Message)})
        state = {f.name: record.get(f.name) for f in fields(cls) if f.name != "message"}
        state = {key: value for key, value in state.items() if value is not None}
        return cls(message, **state)

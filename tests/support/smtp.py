"""A real SMTP server on loopback for one test (deploy/local/smtp_sink.py in a thread of the test), and
a Mongo unit of work to plan deliveries with, for the delivery engine's integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

from deploy.local.smtp_sink import Mailbox, read_index, serve
from services.notifications.config import DeliveryConfig, SmtpConfig
from services.notifications.domain.delivery import RetryPolicy
from services.notifications.domain.message import Message, message_id_of
from tests.support.processes import free_port


@dataclass
class Sink:
    controller: Controller
    mailbox: Mailbox
    port: int
    directory: Path

    def index(self) -> list[dict]:
        return read_index(self.directory)

    def message_ids(self) -> set[str]:
        return {entry["message_id"] for entry in self.index()}


@contextmanager
def smtp_sink(directory: Path, **options) -> Iterator[Sink]:
    port = free_port()
    controller, mailbox = serve("127.0.0.1", port, directory, **options)
    try:
        yield Sink(controller, mailbox, port, directory)
    finally:
        controller.stop()


def delivery_config(sink: Sink, delays=(0.3, 0.3), **smtp) -> DeliveryConfig:
    """Retries and leases compressed to fractions of a second."""
    return DeliveryConfig(
        smtp=SmtpConfig(host="127.0.0.1", port=sink.port, **smtp),
        public_base_url="http://notifications.test",
        retry=RetryPolicy(tuple(delays)),
        scheduler_lease_s=2.0,
        scheduler_idle_s=0.1,
    )


def email(cause: str, recipient: str = "E1", **changes) -> Message:
    message = Message(
        message_id=message_id_of(cause, recipient, "email"),
        cause_event_id=cause,
        cause_type="mentoring.pairing.published.v1",
        recipient=recipient,
        participant_id=f"p-{recipient}",
        program_id="prog-1",
        channel="email",
        category="pairing",
        urgent=False,
        template="pairing_published",
        locale="en",
        subject="You have a reverse-mentoring match",
        text="You have been paired. Please accept or decline.",
        html="<p>You have been paired. Please <b>accept</b> or decline.</p>",
        address=f"{recipient.lower()}@example.com",
        deliver_at=datetime.now(UTC),
    )
    return replace(message, **changes)

"""E-mail over SMTP (smtplib): multipart text + HTML, a ``Message-ID`` derived from the message id (every
attempt of one message carries the same one, so a repeat after a crash is recognisable by the receiving
side and by mail clients), and ``List-Unsubscribe``: a signed one-click link (RFC 8058, with
``List-Unsubscribe-Post``) for optional categories, the preferences page for mandatory ones.

One channel object holds one SMTP connection, reused across sends and reopened after an error; the
scheduler gives each sending thread its own channel. Reply codes: 4xx (and a lost connection) are
temporary (the delivery is retried on its backoff schedule), 5xx are permanent (a retry would get the same
answer: the delivery fails at once with the server's reply as the reason).
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formatdate
from urllib.parse import urlencode

from services.notifications.config import SmtpConfig
from services.notifications.domain.delivery import Delivery, DeliveryError, email_message_id
from services.notifications.domain.unsubscribe import UnsubscribeLinks


def compose(
    delivery: Delivery, sender: str, preferences_url: str, links: UnsubscribeLinks | None = None
) -> EmailMessage:
    """The e-mail of a delivery: personal data only in the body and the ``To`` header."""
    message = delivery.message
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Message-ID"] = email_message_id(message.message_id)
    mail["Date"] = format_datetime(message.deliver_at) if message.deliver_at else formatdate(usegmt=True)
    one_click = links.one_click(message.recipient, message.category, datetime.now(UTC)) if links else None
    if one_click:
        mail["List-Unsubscribe"] = f"<{one_click}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:  # a mandatory category, or no signing key: where the person can change what they get
        query = urlencode({"category": message.category, "channel": "email"})
        mail["List-Unsubscribe"] = f"<{preferences_url}?{query}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Notification-Template"] = message.template
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    return mail


class EmailChannel:
    name = "email"
    idempotent = True  # the same Message-ID on every attempt

    def __init__(
        self, config: SmtpConfig, preferences_url: str, links: UnsubscribeLinks | None = None
    ) -> None:
        self.config = config
        self.preferences_url = preferences_url
        self.links = links
        self.connection: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.ca_file)

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        if config.tls == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout_s, context=self._context()
            )
        else:
            connection = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
        try:
            connection.ehlo()
            if config.tls == "starttls":
                connection.starttls(context=self._context())  # raises if the server offers no STARTTLS
                connection.ehlo()
            if config.username:
                connection.login(config.username, config.password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, delivery: Delivery) -> None:
        if not self.config.host:
            raise DeliveryError("e-mail is not configured (SMTP_HOST is empty)", permanent=True)
        if not delivery.message.address:
            raise DeliveryError("the recipient has no e-mail address", permanent=True)
        mail = compose(delivery, self.config.sender, self.preferences_url, self.links)
        try:
            if self.connection is None:
                self.connection = self._connect()
            refused = self.connection.send_message(mail)
        except smtplib.SMTPResponseException as error:
            self.close()
            raise _refusal(error.smtp_code, error.smtp_error) from error
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            code, reply = next(iter(error.recipients.values()))
            raise _refusal(code, reply) from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise DeliveryError(f"SMTP {self.config.host}:{self.config.port}: {error!r}") from error
        if refused:
            code, reply = next(iter(refused.values()))
            raise _refusal(code, reply)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


def _refusal(code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return DeliveryError(f"SMTP {code} {text}", permanent=500 <= code < 600)

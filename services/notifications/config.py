"""Delivery settings, read once at start into a frozen object (12-factor, like ``shared.config``).

- ``SMTP_HOST`` / ``SMTP_PORT``: the relay (empty host: e-mail is not configured and e-mail deliveries
  fail with that reason). ``SMTP_TLS``: ``none``, ``starttls`` (upgrade on the plain port, refused if
  the server does not offer it) or ``tls`` (implicit TLS, usually port 465). ``SMTP_CA_FILE``: a CA
  bundle to verify the relay with instead of the system's. ``SMTP_USERNAME`` / ``SMTP_PASSWORD``:
  optional AUTH (Helm: from an existing Secret). ``SMTP_FROM``: the ``From`` header.
  ``SMTP_TIMEOUT_S``: seconds per SMTP conversation step.
- ``PUBLIC_BASE_URL``: where people reach the API; links and ``List-Unsubscribe`` start there.
- ``UNSUBSCRIBE_SECRET``: the HS256 key (at least 32 bytes) of one-click unsubscribe tokens (RFC 8058;
  the API and the worker need the same one; Helm: an existing Secret). Empty: e-mails point
  ``List-Unsubscribe`` at the preferences page only. ``UNSUBSCRIBE_TTL_S``: how long a link works
  (default 60 days).
- ``DELIVERY_RETRY_DELAYS_S``: seconds before the 2nd, 3rd, … attempt, comma separated; after the last
  the delivery fails (default ``5,30,300,1800,7200``; tests compress it).
- ``CHAT_TIMEOUT_S``: seconds a chat webhook call may take.
- ``SCHEDULER_THREADS`` (parallel sends), ``SCHEDULER_BATCH``, ``SCHEDULER_LEASE_S`` (a claimed item
  whose worker died is claimed again after this), ``SCHEDULER_IDLE_S`` (poll interval when idle).
Webhook settings (``WEBHOOK_*``, incl. ``WEBHOOK_ALLOWED_HOSTS``) are read by
``domain.webhooks.policy.WebhookPolicy``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

from services.notifications.domain.delivery import RetryPolicy
from services.notifications.domain.unsubscribe import (
    DEFAULT_TTL,
    MIN_SECRET_BYTES,
    UnsubscribeKeys,
    UnsubscribeLinks,
)
from shared.config import ConfigError, EnvReader

TLS_MODES = ("none", "starttls", "tls")


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None = None
    port: int = 25
    tls: str = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "Reverse Mentoring <notifications@reverse-mentoring.invalid>"
    ca_file: str | None = None
    timeout_s: float = 10.0


@dataclass(frozen=True)
class DeliveryConfig:
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    public_base_url: str = "http://127.0.0.1:8000"
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    chat_timeout_s: float = 10.0
    scheduler_threads: int = 4
    scheduler_batch: int = 50
    scheduler_lease_s: float = 120.0
    scheduler_idle_s: float = 0.5
    unsubscribe_secret: str | None = field(default=None, repr=False)
    unsubscribe_ttl_s: float = DEFAULT_TTL.total_seconds()

    @property
    def unsubscribe_links(self) -> UnsubscribeLinks:
        keys = None
        if self.unsubscribe_secret:
            keys = UnsubscribeKeys(self.unsubscribe_secret, timedelta(seconds=self.unsubscribe_ttl_s))
        return UnsubscribeLinks(self.public_base_url, keys)

    @property
    def preferences_url(self) -> str:
        return f"{self.public_base_url.rstrip('/')}/v1/me/preferences"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DeliveryConfig:
        """Every malformed variable is named in one ``ConfigError``."""
        env = os.environ if env is None else env
        reader = EnvReader(env)
        problems, number = reader.problems, reader.number

        tls = (env.get("SMTP_TLS") or "none").lower()
        if tls not in TLS_MODES:
            problems.append(f"SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
        delays = reader.numbers("DELIVERY_RETRY_DELAYS_S", RetryPolicy().delays_s, "60,300,1800")
        smtp = SmtpConfig(
            host=env.get("SMTP_HOST") or None,
            port=int(number("SMTP_PORT", 465 if tls == "tls" else 25, int)),
            tls=tls,
            username=env.get("SMTP_USERNAME") or None,
            password=env.get("SMTP_PASSWORD") or None,
            sender=env.get("SMTP_FROM") or SmtpConfig.sender,
            ca_file=env.get("SMTP_CA_FILE") or None,
            timeout_s=number("SMTP_TIMEOUT_S", 10.0),
        )
        config = cls(
            smtp=smtp,
            public_base_url=env.get("PUBLIC_BASE_URL") or cls.public_base_url,
            retry=RetryPolicy(delays),
            chat_timeout_s=number("CHAT_TIMEOUT_S", 10.0),
            scheduler_threads=max(1, int(number("SCHEDULER_THREADS", 4, int))),
            scheduler_batch=max(1, int(number("SCHEDULER_BATCH", 50, int))),
            scheduler_lease_s=number("SCHEDULER_LEASE_S", 120.0),
            scheduler_idle_s=number("SCHEDULER_IDLE_S", 0.5),
        )
        secret = env.get("UNSUBSCRIBE_SECRET") or None
        if secret and len(secret.encode()) < MIN_SECRET_BYTES:
            problems.append(f"UNSUBSCRIBE_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        config = replace(
            config,
            unsubscribe_secret=secret,
            unsubscribe_ttl_s=number("UNSUBSCRIBE_TTL_S", DEFAULT_TTL.total_seconds()),
        )
        reader.fail_if_any(ConfigError, "invalid notifications delivery settings")
        return config

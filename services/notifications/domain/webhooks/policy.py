"""Webhook settings, read once at start into a frozen object (the worker and the API build it from the
environment through ``WebhookPolicy.from_env``).

- ``WEBHOOK_RETRY_SCHEDULE``: seconds before the first attempt, then after each failure, comma
  separated (default Svix's ``0,5,300,1800,7200,18000,36000,36000``; tests compress it).
- ``WEBHOOK_TIMEOUT_S``: seconds an attempt waits for the receiver's answer (default 15).
- ``WEBHOOK_DISABLE_AFTER_S``: an endpoint failing without a success for this long is disabled and its
  admins are told (default 432000, 5 days).
- ``WEBHOOK_SECRET_OVERLAP_S``: after a rotation the old secret still signs for this long (default 86400).
- ``WEBHOOK_ALLOWED_HOSTS``: host names or addresses exempt from the SSRF address check, comma separated
  (e.g. ``127.0.0.1,localhost`` for a local receiver; default empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from services.notifications.domain.webhooks.retry import DEFAULT_SCHEDULE_S, RetrySchedule
from shared.config import EnvReader

ENV_NAMES = (
    "WEBHOOK_RETRY_SCHEDULE",
    "WEBHOOK_TIMEOUT_S",
    "WEBHOOK_DISABLE_AFTER_S",
    "WEBHOOK_SECRET_OVERLAP_S",
    "WEBHOOK_ALLOWED_HOSTS",
)


class PolicyError(ValueError):
    """A webhook setting is malformed; names every bad variable at once."""


@dataclass(frozen=True)
class WebhookPolicy:
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    timeout_s: float = 15.0
    disable_after: timedelta = timedelta(days=5)
    secret_overlap: timedelta = timedelta(days=1)
    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebhookPolicy:
        reader = EnvReader(env)
        example = ",".join(f"{d:g}" for d in DEFAULT_SCHEDULE_S)
        schedule = RetrySchedule(reader.numbers("WEBHOOK_RETRY_SCHEDULE", DEFAULT_SCHEDULE_S, example))
        seconds = reader.number
        policy = cls(
            schedule=schedule,
            timeout_s=seconds("WEBHOOK_TIMEOUT_S", 15.0) or 15.0,
            disable_after=timedelta(seconds=seconds("WEBHOOK_DISABLE_AFTER_S", 5 * 86400)),
            secret_overlap=timedelta(seconds=seconds("WEBHOOK_SECRET_OVERLAP_S", 86400)),
            allowed_hosts=frozenset(
                host.strip().lower()
                for host in (env.get("WEBHOOK_ALLOWED_HOSTS") or "").split(",")
                if host.strip()
            ),
        )
        reader.fail_if_any(PolicyError, "invalid webhook settings")
        return policy

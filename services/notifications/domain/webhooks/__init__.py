"""Subscriber webhooks: endpoints, Standard Webhooks signatures, the retry schedule and the SSRF rule."""

from services.notifications.domain.webhooks.endpoint import (
    SUBSCRIBABLE_AGGREGATES,
    Endpoint,
    Secret,
    subscribable_types,
    unsubscribable,
)
from services.notifications.domain.webhooks.message import Planned, plan
from services.notifications.domain.webhooks.policy import PolicyError, WebhookPolicy
from services.notifications.domain.webhooks.retry import RetrySchedule, Verdict, verdict
from services.notifications.domain.webhooks.signing import message_id, new_secret, signed_headers
from services.notifications.domain.webhooks.ssrf import address_refusal, url_refusal

__all__ = [
    "SUBSCRIBABLE_AGGREGATES",
    "Endpoint",
    "Planned",
    "PolicyError",
    "RetrySchedule",
    "Secret",
    "Verdict",
    "WebhookPolicy",
    "address_refusal",
    "message_id",
    "new_secret",
    "plan",
    "signed_headers",
    "subscribable_types",
    "unsubscribable",
    "url_refusal",
    "verdict",
]

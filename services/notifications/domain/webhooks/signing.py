"""Standard Webhooks signatures (the ``standardwebhooks`` library): endpoint secrets, the stable message id
and the three headers every attempt carries."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh endpoint secret in the ``whsec_<base64>`` form receivers' libraries accept."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def message_id(event_id: str, endpoint_id: str) -> str:
    """The ``webhook-id`` of an event sent to an endpoint: derived, so a retry, a restart or a replay
    carries the same id and the receiver can drop what it has already seen."""
    return "msg_" + hashlib.sha256(f"{event_id}:{endpoint_id}".encode()).hexdigest()[:32]


def signature(msg_id: str, timestamp: datetime, body: str, keys: Sequence[str]) -> str:
    """The ``webhook-signature`` value: one ``v1,<base64>`` entry per secret, space separated, so during a
    rotation's overlap a receiver holding either the old or the new secret verifies."""
    return " ".join(Webhook(key).sign(msg_id, timestamp, body) for key in keys)


def signed_headers(msg_id: str, body: str, keys: Sequence[str], at: datetime) -> dict[str, str]:
    """Headers of one attempt: each attempt is signed afresh with its own timestamp (receivers refuse
    timestamps older than a few minutes), under the same id."""
    timestamp = datetime.fromtimestamp(int(at.timestamp()), tz=UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature(msg_id, timestamp, body, keys),
    }

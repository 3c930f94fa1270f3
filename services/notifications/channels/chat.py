"""Chat: a program's Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat accept the same
JSON): Block Kit ``blocks`` with the message as mrkdwn, and ``text`` as the fallback notifications show.

Incoming webhooks have no idempotency key, so this channel is not ``idempotent``: a send interrupted by
a crash is not posted again (see ``domain.delivery``). 5xx, 429 and network errors are temporary; other
4xx are permanent (a wrong or revoked URL answers the same every time).
"""

from __future__ import annotations

from typing import Any

import requests

from services.notifications.domain.delivery import Delivery, DeliveryError

MAX_SECTION = 3000  # Block Kit's limit on a section's text


def _mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(delivery: Delivery) -> dict[str, Any]:
    message = delivery.message
    subject, body = _mrkdwn(message.subject), _mrkdwn(message.text)
    return {
        "text": f"{message.subject}\n{message.text}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{subject}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body[:MAX_SECTION]}},
        ],
    }


class ChatChannel:
    name = "chat"
    idempotent = False

    def __init__(self, timeout_s: float = 10.0) -> None:
        self.timeout_s = timeout_s
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy from the environment

    def send(self, delivery: Delivery) -> None:
        url = delivery.message.address
        if not url:
            raise DeliveryError("the program has no chat webhook", permanent=True)
        try:
            response = self.session.post(
                url, json=payload(delivery), timeout=self.timeout_s, allow_redirects=False
            )
        except requests.RequestException as error:
            raise DeliveryError(f"chat webhook unreachable: {type(error).__name__}") from error
        if response.status_code < 300:
            return
        reason = f"chat webhook answered {response.status_code} {response.text[:200]}"
        temporary = response.status_code >= 500 or response.status_code == 429
        raise DeliveryError(reason, permanent=not temporary)

"""What the delivery engine needs from a channel: send one delivery, or say why not."""

from __future__ import annotations

from typing import Protocol

from services.notifications.domain.delivery import Delivery


class Channel(Protocol):
    """``idempotent``: the receiver recognises a repeated send of the same message (same Message-ID,
    same webhook-id), so a send interrupted by a crash may be repeated; otherwise it is not."""

    name: str
    idempotent: bool

    def send(self, delivery: Delivery) -> None:
        """Hand the message over; raises ``DeliveryError`` (temporary unless ``permanent``)."""

"""Notifications' own metrics beside the chassis' ``notifications_delivered_total``."""

from __future__ import annotations

from prometheus_client import Gauge, Histogram

from shared.metrics import NOTIFICATIONS_DELIVERED

# Cause event time -> the channel accepted the message (e-mail: the SMTP server's 250 after DATA).
DELIVERY_LATENCY = Histogram(
    "notifications_delivery_latency_seconds",
    "Time from the cause event to the channel accepting the message",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600, 86400),
)
SCHEDULED_ITEMS = Gauge(
    "notifications_scheduled_items",
    "Scheduled items (deferred sends, retries, digests, webhook attempts) waiting in the database",
    multiprocess_mode="max",
)
DELIVERED, FAILED = "delivered", "failed"

__all__ = ["DELIVERED", "DELIVERY_LATENCY", "FAILED", "NOTIFICATIONS_DELIVERED", "SCHEDULED_ITEMS"]

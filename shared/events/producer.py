"""Kafka producer: idempotent, acks=all, keyed by aggregate id, counted in metrics."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kafka import KafkaProducer

from shared.config import Settings
from shared.events.envelope import CONTENT_TYPE, Event
from shared.metrics import EVENTS_PUBLISHED

log = logging.getLogger(__name__)


class EventPublisher:
    """Publishes envelopes; ``publish_all`` returns only once the broker has acknowledged every one."""

    def __init__(self, settings: Settings, *, producer: KafkaProducer | None = None) -> None:
        self.settings = settings
        self._producer = producer or KafkaProducer(
            **settings.kafka_client_options,
            client_id=f"{settings.service_name}-producer",
            acks="all",
            enable_idempotence=True,
            retries=2147483647,
            max_in_flight_requests_per_connection=5,
            linger_ms=5,
            request_timeout_ms=15000,
            delivery_timeout_ms=60000,
        )

    def send(self, topic: str, event: Event, key: str | None = None, headers: dict[str, str] | None = None):
        """Queue one event on a physical topic; returns the kafka-python future."""
        all_headers = {
            "content-type": CONTENT_TYPE,
            "ce_type": event.type,
            "ce_id": event.id,
            **(headers or {}),
        }
        future = self._producer.send(
            topic,
            value=event.to_bytes(),
            key=(key or event.subject or event.id).encode(),
            headers=[(k, v.encode()) for k, v in all_headers.items()],
        )
        EVENTS_PUBLISHED.labels(self.settings.service_name, topic, event.type).inc()
        return future

    def send_raw(self, topic: str, value: bytes | None, key: bytes | None, headers: list[tuple[str, bytes]]):
        return self._producer.send(topic, value=value, key=key, headers=headers)

    def publish_all(self, items: Iterable[tuple[str, Event]], timeout_s: float = 30.0) -> None:
        """Send (logical topic, event) pairs and wait for every acknowledgement; raises on any failure."""
        futures = [self.send(self.settings.topic(topic), event) for topic, event in items]
        self._producer.flush(timeout=timeout_s)
        for future in futures:
            future.get(timeout=timeout_s)

    def flush(self, timeout_s: float = 30.0) -> None:
        self._producer.flush(timeout=timeout_s)

    def close(self) -> None:
        self._producer.close(timeout=10)

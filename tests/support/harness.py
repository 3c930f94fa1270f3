"""Test harness: real apps with real tokens, real workers run in threads until a condition holds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from kafka import KafkaConsumer
from werkzeug.serving import make_server

from shared.auth import dev_token
from shared.config import Settings
from shared.runtime import WorkerParts, shut_down
from shared.topics import ensure_topics
from tests.support.infra import Endpoints


def isolated_settings(
    servers: Endpoints, isolation: str, keys_dir: str, service: str, **overrides: object
) -> Settings:
    """Settings for a service pointed at the real servers, its topics and database tagged ``isolation``."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
        "MONGODB_URI": servers.mongodb_uri,
        "MONGODB_DATABASE": f"{isolation}_{service}",
        "TOPIC_PREFIX": f"{isolation}.",
        "AUTH_MODE": "dev",
        "DEV_KEYS_DIR": keys_dir,
        "LOG_LEVEL": "WARNING",
    }
    settings = Settings.from_env(service, env)
    return settings.with_overrides(consumer_retry_backoff_s=0.05, **overrides)


def bearer(settings: Settings, subject: str = "E000001", *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(settings, subject, roles or ('admin',))}"}


def wait_for(condition: Callable[[], Any], timeout_s: float = 60.0, interval_s: float = 0.1) -> Any:
    """Poll until ``condition()`` is truthy; fail with a clear message when the time is up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


@contextmanager
def running(parts: WorkerParts, settings: Settings) -> Iterator[WorkerParts]:
    """Run a worker's consumer, relay and further loops in threads; stop and close them on exit."""
    stop = threading.Event()
    threads = []
    if parts.relay is not None:
        threads.append(threading.Thread(target=parts.relay.run, args=(stop, 0.05), daemon=True))
    if parts.consumer is not None:
        threads.append(threading.Thread(target=parts.consumer.run, args=(stop,), daemon=True))
    for name, loop in parts.loops.items():
        threads.append(threading.Thread(target=loop, args=(stop,), name=name, daemon=True))
    for thread in threads:
        thread.start()
    try:
        yield parts
    finally:
        stop.set()
        shut_down(parts, threads, join_timeout_s=30)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve an app over real HTTP on a free local port (what another service's worker calls); its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def topics_ready(settings: Settings) -> None:
    ensure_topics(settings)


def read_topic(settings: Settings, topic: str, expected: int, timeout_s: float = 20.0) -> list:
    """Read ``expected`` records from the start of a physical topic (fails if fewer arrive)."""
    consumer = KafkaConsumer(
        topic,
        **settings.kafka_client_options,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=int(timeout_s * 1000),
    )
    records = []
    try:
        deadline = time.monotonic() + timeout_s
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records

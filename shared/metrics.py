"""Prometheus metrics every service exports, named as in DESIGN.md, multiprocess-safe under gunicorn."""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests served", ["service", "route", "method", "status"]
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "route", "method"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_PUBLISHED = Counter("events_published_total", "Events published", ["service", "topic", "type"])
EVENTS_CONSUMED = Counter(
    "events_consumed_total",
    "Events consumed, by outcome (processed, duplicate, ignored, retried, dead_lettered)",
    ["service", "topic", "type", "outcome"],
)
EVENT_PROCESSING = Histogram(
    "event_processing_seconds", "Time to handle one event", ["service", "topic"], buckets=LATENCY_BUCKETS
)
EVENTS_DEAD_LETTERED = Counter(
    "events_dead_lettered_total", "Events sent to a dead-letter topic", ["service", "topic"]
)
CONSUMER_LAG = Gauge(
    "consumer_lag",
    "Messages behind the log end, per partition",
    ["service", "topic", "partition"],
    multiprocess_mode="max",
)
OUTBOX_PENDING = Gauge(
    "outbox_pending", "Events written but not yet relayed to Kafka", ["service"], multiprocess_mode="max"
)
FOLLOW_UPS = Counter(
    "follow_ups_total",
    "Follow-up commands the in-process bus ran after an event (outcome: succeeded, refused, failed)",
    ["service", "command", "outcome"],
)


# Business metrics (DESIGN.md); each service increments the ones its use cases own.
PAIRINGS = Counter("pairings_total", "Pairing state transitions", ["state"])
MATCH_RUN_DURATION = Histogram(
    "match_run_duration_seconds", "Match run wall time", buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120)
)
MATCH_RUNS = Counter("match_runs_total", "Match runs by outcome", ["outcome"])
MATCH_SCORE = Histogram("match_score", "Score of proposed pairs", buckets=tuple(i / 10 for i in range(1, 11)))
PROGRAMS_BY_STATUS = Gauge(
    "programs_by_status", "Programs per lifecycle status", ["status"], multiprocess_mode="max"
)
NOTIFICATIONS_DELIVERED = Counter(
    "notifications_delivered_total", "Notifications by channel and outcome", ["channel", "status"]
)
PULSE_RESPONSES = Counter("pulse_responses_total", "Anonymous safety pulse responses")
INSIGHTS_ACTED_UPON = Counter("insights_acted_upon_total", "Junior insights marked acted upon")
PARTICIPANTS_REGISTERED = Counter("participants_registered_total", "Enrolments", ["role"])


def registry_for_scrape() -> CollectorRegistry:
    """The registry to expose: aggregated across gunicorn workers when multiprocess mode is on."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def metrics_response() -> Response:
    return Response(generate_latest(registry_for_scrape()), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask, service: str) -> None:
    """Time and count every request by its route template (not the raw path, to bound cardinality)."""

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        route = request.url_rule.rule if request.url_rule else "unmatched"
        if started is not None and route != "/metrics":
            HTTP_REQUESTS.labels(service, route, request.method, str(response.status_code)).inc()
            HTTP_DURATION.labels(service, route, request.method).observe(time.perf_counter() - started)
        return response

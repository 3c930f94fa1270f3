"""The Flask application factory every service uses: config, errors, auth, metrics, health, OpenAPI."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest import Blueprint
from kafka.admin import KafkaAdminClient
from pymongo.database import Database

from shared import apidocs, auth, metrics, problems
from shared.bus import MessageBus
from shared.config import Settings
from shared.logging import configure_logging, request_id_var
from shared.mongo import CHASSIS_INDEXES, IndexSpec, database_for, ensure_indexes, ping
from shared.openapi import api_config, build_api

log = logging.getLogger(__name__)
ReadinessCheck = Callable[[], None]


class KafkaProbe:
    """Readiness check for Kafka that reuses one admin connection and caches success for a few seconds."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._admin: KafkaAdminClient | None = None
        self._ok_until = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> None:
        if time.monotonic() < self._ok_until:
            return
        with self._lock:
            try:
                if self._admin is None:
                    self._admin = KafkaAdminClient(
                        **self.settings.kafka_client_options,
                        client_id=f"{self.settings.service_name}-readiness",
                        request_timeout_ms=3000,
                        # an unreachable broker must answer 503 before a Kubernetes probe times out
                        bootstrap_timeout_ms=2000,
                    )
                self._admin.list_topics()
            except Exception:
                if self._admin is not None:
                    self._admin.close()
                self._admin = None
                raise
            self._ok_until = time.monotonic() + 5

    def close(self) -> None:
        with self._lock:
            if self._admin is not None:
                self._admin.close()
            self._admin = None


def create_base_app(
    settings: Settings,
    *,
    title: str,
    description: str,
    blueprints: Iterable[Blueprint] = (),
    indexes: Iterable[IndexSpec] = (),
    readiness: dict[str, ReadinessCheck] | None = None,
    bus: Callable[[Database], MessageBus] | None = None,
) -> Flask:
    """Build a service app; the service's own ``create_app`` passes its blueprints and indexes."""
    configure_logging(settings.service_name, settings.log_level)
    app = Flask(settings.service_name)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_content_length, JSON_SORT_KEYS=False, **api_config(title, description)
    )
    app.extensions["settings"] = settings
    db: Database = database_for(settings)
    app.extensions["db"] = db
    app.extensions["token_verifier"] = auth.TokenVerifier(settings)
    ensure_indexes(db, [*CHASSIS_INDEXES, *indexes])
    if bus is not None:
        app.extensions["bus"] = bus(db)  # the service's use cases over its Mongo unit of work

    metrics.init_app(app, settings.service_name)
    api = build_api(app)
    problems.init_app(app)  # after Api(): flask-smorest registers its own HTTPException handler
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions["api"] = api

    checks: dict[str, ReadinessCheck] = {"mongodb": lambda: ping(db), "kafka": KafkaProbe(settings)}
    checks.update(readiness or {})
    draining = threading.Event()
    app.extensions["draining"] = draining

    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if 0 < len(incoming) <= 128 else str(uuid.uuid4())
        g.request_id_token = request_id_var.set(g.request_id)

    auth.init_app(app)  # after the request id: a refusal carries it too

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.teardown_request
    def _reset_request_id(_: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=settings.service_name)

    @app.get("/readyz")
    def readyz() -> Response:
        if draining.is_set():
            return problems.problem(503, "Service unavailable", "draining before shutdown")
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as error:
                results[name] = f"unavailable: {type(error).__name__}"
        if any(v != "ok" for v in results.values()):
            return problems.problem(503, "Service unavailable", "a dependency is unreachable", checks=results)
        return jsonify(status="ready", checks=results)

    @app.get("/metrics")
    def metrics_endpoint() -> Response:
        return metrics.metrics_response()

    apidocs.init_app(app, title)

    return app


def current_bus() -> MessageBus:
    """The message bus of the app handling this request: routes hand it their commands."""
    return current_app.extensions["bus"]

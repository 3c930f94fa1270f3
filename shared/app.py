"""The Flask application factory every service uses: config, errors, auth, metrics, health, OpenAPI."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from flask import Flask, Response, current_app, g, jsonify, render_template_string, request
from flask_smorest import Blueprint
from kafka.admin import KafkaAdminClient
from pymongo.database import Database

from shared import auth, metrics, problems
from shared.bus import MessageBus
from shared.config import Settings
from shared.logging import configure_logging, request_id_var
from shared.mongo import CHASSIS_INDEXES, IndexSpec, database_for, ensure_indexes, ping
from shared.openapi import ProblemApi, ProblemResponsesPlugin, ResourceLinksPlugin, SchemaKeywordsPlugin

log = logging.getLogger(__name__)
ReadinessCheck = Callable[[], None]

DOCS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }} API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .3em}.m{display:inline-block;width:4.5em;font-weight:600}</style></head>
<body><h1>{{ title }} API <small>{{ version }}</small></h1>
<p>Machine-readable spec: <a href="/openapi.json">/openapi.json</a> (OpenAPI {{ openapi }}).
Authenticate with <code>Authorization: Bearer &lt;JWT&gt;</code>.</p>
{% for path, ops in paths %}<h3><code>{{ path }}</code></h3><ul>
{% for method, op in ops %}<li><span class="m">{{ method|upper }}</span>{{ op.get('summary', '') }}
{% if op.get('description') %}<br><small>{{ op['description'] }}</small>{% endif %}</li>{% endfor %}
</ul>{% endfor %}</body></html>"""


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
                    )
                self._admin.list_topics()
            except Exception:
                if self._admin is not None:
                    self._admin.close()
                self._admin = None
                raise
            self._ok_until = time.monotonic() + 5


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
        MAX_CONTENT_LENGTH=settings.max_content_length,
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
            "security": [{"bearerAuth": []}],
        },
        JSON_SORT_KEYS=False,
    )
    app.extensions["settings"] = settings
    db: Database = database_for(settings)
    app.extensions["db"] = db
    app.extensions["token_verifier"] = auth.TokenVerifier(settings)
    ensure_indexes(db, [*CHASSIS_INDEXES, *indexes])
    if bus is not None:
        app.extensions["bus"] = bus(db)  # the service's use cases over its Mongo unit of work

    metrics.init_app(app, settings.service_name)
    plugins = [ProblemResponsesPlugin(), SchemaKeywordsPlugin(), ResourceLinksPlugin()]
    api = ProblemApi(app, spec_kwargs={"extra_plugins": plugins})
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

    @app.get("/docs")
    def docs() -> str:
        spec = api.spec.to_dict()
        paths = [
            (p, [(m, op) for m, op in ops.items() if isinstance(op, dict)])
            for p, ops in spec["paths"].items()
        ]
        return render_template_string(
            DOCS_PAGE, title=title, version="v1", openapi=spec.get("openapi"), paths=paths
        )

    return app


def current_bus() -> MessageBus:
    """The message bus of the app handling this request: routes hand it their commands."""
    return current_app.extensions["bus"]

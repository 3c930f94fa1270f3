"""Interactive API docs at ``/docs`` (Swagger UI from the vendored ``swagger-ui-bundle``: no CDN, works
offline) and the roles table of every operation, read from the same OpenAPI document.

The roles come from ``RolesPlugin`` (``x-roles``), which reads each view's ``require_roles``
declaration: the guide's table and each operation's description cannot disagree with what is enforced.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import Flask, Response, abort, send_from_directory
from flask_smorest import Blueprint

from shared.openapi import api_config, build_api

SWAGGER_UI = Path(str(swagger_ui_bundle.swagger_ui_path))
ASSETS = frozenset(
    ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png")
)
METHODS = ("get", "post", "put", "patch", "delete")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" href="/docs/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body></html>
"""
INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, docExpansion: "list",
  persistAuthorization: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl], layout: "StandaloneLayout"
});
"""


def init_app(app: Flask, title: str) -> None:
    """``/docs``: Swagger UI over ``/openapi.json`` (Authorize takes a bearer token; Try it out calls)."""

    @app.get("/docs")
    def docs() -> Response:
        return Response(PAGE.format(title=title), mimetype="text/html")

    @app.get("/docs/init.js")
    def docs_init() -> Response:
        return Response(INIT, mimetype="text/javascript")

    @app.get("/docs/<asset>")
    def docs_asset(asset: str) -> Response:
        if asset not in ASSETS:
            abort(404)
        response = send_from_directory(SWAGGER_UI, asset, max_age=86400)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    summary: str
    roles: tuple[str, ...] | None


def operations(service: str, spec: dict[str, Any]) -> list[Operation]:
    """Every /v1 operation of one service's OpenAPI document with the roles it requires."""
    return [
        Operation(service, method.upper(), path, op.get("summary", ""), _roles(op))
        for path, ops in spec["paths"].items()
        if path.startswith("/v1")
        for method, op in ops.items()
        if method in METHODS
    ]


def _roles(op: dict[str, Any]) -> tuple[str, ...] | None:
    roles = op.get("x-roles")
    return None if roles is None else tuple(roles)


def blueprints_of(service: str) -> list[Blueprint]:
    """The blueprints a service's app module hands ``create_base_app`` (a ``blp`` or a list of them)."""
    found: list[Blueprint] = []
    for value in vars(importlib.import_module(f"services.{service}.app")).values():
        for candidate in value if isinstance(value, list | tuple) else [value]:
            if isinstance(candidate, Blueprint) and candidate not in found:
                found.append(candidate)
    return found


def document_of(service: str, title: str = "") -> dict[str, Any]:
    """A service's OpenAPI document built without its database or Kafka (for generated docs)."""
    app = Flask(f"docs-{service}")
    app.config.update(api_config(title or service.title(), ""))
    api = build_api(app)
    for blueprint in blueprints_of(service):
        api.register_blueprint(blueprint)
    return api.spec.to_dict()


def roles_table(services: list[str]) -> str:
    """The guide's roles table: one row per operation, in each service's document order."""
    lines = ["| service | operation | roles | what it does |", "|---|---|---|---|"]
    for service in services:
        for op in operations(service, document_of(service)):
            roles = "public" if op.roles is None else ", ".join(op.roles) or "any valid token"
            summary = " ".join(op.summary.split()).replace("|", "\\|")
            lines.append(f"| {service} | `{op.method} {op.path}` | {roles} | {summary} |")
    return "\n".join(lines) + "\n"

"""OpenAPI for every service: error responses documented as RFC 9457 problem+json, on every operation."""

from __future__ import annotations

import http
import re

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from shared.auth import declared_roles
from shared.http import ProblemSchema
from shared.problems import PROBLEM_JSON

# Status codes any authenticated /v1 operation can answer, whatever the route. A 500 is a bug, not an
# answer (the fuzzing in tests/e2e holds every service to none); ``default`` covers what nobody planned.
EVERY_OPERATION = {"401": "UNAUTHORIZED", "403": "FORBIDDEN"}
WITH_BODY = {"400": "BAD_REQUEST", "413": "REQUEST_ENTITY_TOO_LARGE", "422": "UNPROCESSABLE_ENTITY"}
WITH_QUERY = {"422": "UNPROCESSABLE_ENTITY"}


class ProblemResponsesPlugin(BasePlugin):
    """Adds the error responses the chassis really gives to each operation that does not list them."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        if not path or not path.startswith("/v1") or not operations:
            return
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = dict(EVERY_OPERATION)
            if operation.get("security") == []:
                codes.pop("403")  # public: what the request carries authorises it (a bad token is a 401)
            body = operation.get("requestBody")
            if body:
                codes |= WITH_BODY
                if "application/json" not in body.get("content", {}):
                    codes.pop("400")  # only a JSON body can be malformed: a form's parts are read as sent
            if any(p.get("in") == "query" for p in operation.get("parameters", []) if isinstance(p, dict)):
                codes |= WITH_QUERY
            if "{" in path:
                codes["404"] = "NOT_FOUND"
            for code, name in codes.items():
                responses.setdefault(code, name)


class ResourceLinksPlugin(BasePlugin):
    """OpenAPI links from the operation that creates a resource to every operation that takes its id.

    ``POST /v1/programs`` answers 201 with ``program_id``; every operation with ``{program_id}`` in its path
    is linked from that response, so clients and stateful test tools (schemathesis) can chain the calls.
    Paths arrive one by one, so links are added whichever of creator and target is seen first.
    """

    def __init__(self) -> None:
        super().__init__()
        self._created: dict[str, list[dict]] = {}  # id parameter -> 201 responses that return it
        self._takers: dict[str, list[tuple[str, str]]] = {}  # id parameter -> (path, method) taking it

    def operation_helper(self, path=None, operations=None, **kwargs):
        if not path or not path.startswith("/v1") or not operations:
            return
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            created = responses.get(201, responses.get("201"))  # flask-smorest keys codes as ints
            if method == "post" and "{" not in path and isinstance(created, dict):
                parameter = path.rstrip("/").rsplit("/", 1)[-1].removesuffix("s") + "_id"
                self._created.setdefault(parameter, []).append(created)
                for target in self._takers.get(parameter, []):
                    _link(created, parameter, *target)
            for parameter in re.findall(r"{(\w+_id)}", path):
                self._takers.setdefault(parameter, []).append((path, method))
                for response in self._created.get(parameter, []):
                    _link(response, parameter, path, method)


def _link(response: dict, parameter: str, path: str, method: str) -> None:
    pointer = path.replace("~", "~0").replace("/", "~1")
    name = re.sub(r"[^A-Za-z0-9]+", "_", f"{method}_{path}").strip("_")
    response.setdefault("links", {})[name] = {
        "operationRef": f"#/paths/{pointer}/{method}",
        "parameters": {parameter: f"$response.body#/{parameter}"},
    }


class RolesPlugin(BasePlugin):
    """States on each operation the roles its ``require_roles`` decorator checks (read from the view, the
    same declaration the authorisation hook uses): in ``x-roles`` and as the description's last line.
    An operation whose view has no docstring is summarised by the view's name (``get_match_run``: "Get
    match run"), so no line of the interactive docs is blank."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        roles = declared_roles(self.app.view_functions.get(rule.endpoint))
        if roles is None:
            return  # a public route: nothing to declare
        line = "**Roles:** " + (", ".join(f"`{r}`" for r in roles) if roles else "any valid token")
        for operation in operations.values():
            operation.setdefault("summary", rule.endpoint.rsplit(".", 1)[-1].replace("_", " ").capitalize())
            operation["x-roles"] = list(roles)
            description = operation.get("description", "")
            operation["description"] = f"{description}\n\n{line}" if description else line


class SchemaKeywordsPlugin(BasePlugin):
    """Adds the JSON Schema keywords a marshmallow schema declares in ``OPENAPI_KEYWORDS`` (rules marshmallow
    checks in code, such as "at least one field" or "at least one weight above 0"), so that clients and
    generated tests see them in the document instead of meeting them as a 422."""

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        schema_class = schema if isinstance(schema, type) else type(schema)
        return dict(getattr(schema_class, "OPENAPI_KEYWORDS", {}))


def api_config(title: str, description: str) -> dict:
    """flask-smorest's settings of a service's OpenAPI document (shared by the app and the docs generator)."""
    return {
        "API_TITLE": title,
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {"description": description},
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
            "security": [{"bearerAuth": []}],
        },
    }


def build_api(app: Flask) -> ProblemApi:
    """The service's Api with every chassis plugin; register blueprints on it afterwards."""
    plugins = [ProblemResponsesPlugin(), SchemaKeywordsPlugin(), ResourceLinksPlugin(), RolesPlugin(app)]
    return ProblemApi(app, spec_kwargs={"extra_plugins": plugins})


class ProblemApi(Api):
    """flask-smorest's Api whose default error responses are problem+json with the ProblemSchema."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def problem_responses(blueprint, descriptions: dict[int, str]):
    """A route decorator factory: ``@problems(404, 409)`` documents those problem+json answers of a route,
    worded by the service's own ``descriptions``."""

    def problems(*codes: int):
        def decorate(view):
            for code in codes:
                view = blueprint.alt_response(
                    code, schema=ProblemSchema, content_type=PROBLEM_JSON, description=descriptions[code]
                )(view)
            return view

        return decorate

    return problems

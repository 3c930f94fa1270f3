"""Credentials are checked before a body is parsed, whatever order a route stacks its decorators in."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from shared import auth, problems
from shared.auth import TokenVerifier, dev_token, require_roles
from shared.config import Settings

PROBLEM = "application/problem+json"


class Greeting(Schema):
    name = fields.String(required=True)


@pytest.fixture
def client(tmp_path):
    """A bare app with the chassis' auth and problem mapping and two routes stacked in opposite orders."""
    settings = Settings.from_env("intake", {"AUTH_MODE": "dev", "DEV_KEYS_DIR": str(tmp_path)})
    app = Flask("auth-test")
    app.config.update(API_TITLE="t", API_VERSION="v1", OPENAPI_VERSION="3.0.3")
    app.extensions["token_verifier"] = TokenVerifier(settings)
    api = Api(app)
    problems.init_app(app)
    auth.init_app(app)
    blp = Blueprint("greetings", __name__, url_prefix="/v1")

    @blp.post("/parsed-first")
    @blp.arguments(Greeting)
    @require_roles("admin")
    def parsed_first(body: dict) -> dict:
        return body

    @blp.post("/authorised-first")
    @require_roles("admin")
    @blp.arguments(Greeting)
    def authorised_first(body: dict) -> dict:
        return body

    api.register_blueprint(blp)
    client = app.test_client()
    client.token = lambda *roles: {"Authorization": f"Bearer {dev_token(settings, 'E1', roles)}"}
    return client


@pytest.mark.parametrize("path", ["/v1/parsed-first", "/v1/authorised-first"])
def test_a_bad_body_without_a_token_is_401_not_422_in_either_decorator_order(client, path):
    response = client.post(path, json={"name": 42})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert "errors" not in response.get_json()


@pytest.mark.parametrize("path", ["/v1/parsed-first", "/v1/authorised-first"])
def test_a_bad_body_with_the_wrong_role_is_403_not_422(client, path):
    response = client.post(path, json={"name": 42}, headers=client.token("participant"))
    assert response.status_code == 403
    assert response.mimetype == PROBLEM


@pytest.mark.parametrize("path", ["/v1/parsed-first", "/v1/authorised-first"])
def test_an_authorised_caller_still_gets_field_errors_and_a_good_body_passes(client, path):
    bad = client.post(path, json={"name": 42}, headers=client.token("admin"))
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"name"}
    good = client.post(path, json={"name": "Ada"}, headers=client.token("admin"))
    assert good.status_code == 200 and good.get_json() == {"name": "Ada"}


def test_a_route_declares_its_roles_through_every_decorator_around_it(client):
    view = client.application.view_functions["greetings.parsed_first"]
    assert auth.declared_roles(view) == ("admin",)
    assert auth.declared_roles(client.application.view_functions["static"]) is None

"""Every operation documents the success it answers with, and its body (found by fuzzing: four feedback
operations documented only their errors, so no client or tool could check what they return)."""

from __future__ import annotations

import pytest
from flask import Flask

from shared import apidocs
from shared.apidocs import blueprints_of
from shared.config import SERVICES
from shared.openapi import api_config, build_api


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_documents_its_success_response_and_its_body(service):
    app = Flask(service)
    app.config.update(api_config(service, ""))
    api = build_api(app)
    for blueprint in blueprints_of(service):
        api.register_blueprint(blueprint)
    missing = []
    for path, operations in api.spec.to_dict()["paths"].items():
        for method, operation in operations.items():
            if method not in apidocs.METHODS:
                continue
            success = {code: r for code, r in operation["responses"].items() if str(code).startswith("2")}
            if len(success) != 1:
                missing.append(f"{method.upper()} {path}: {sorted(success) or 'no 2xx'}")
                continue
            code, response = next(iter(success.items()))
            if str(code) != "204" and not response.get("content"):
                missing.append(f"{method.upper()} {path}: {code} without a body")
    assert missing == []

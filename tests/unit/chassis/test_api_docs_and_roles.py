"""What the API documents about itself: roles on every operation (read from ``require_roles``), the
interactive docs served from the image, the CSV import's format and template from the importer's columns,
'at least one focus area' in OpenAPI, and the consumer's outcome labels as documented."""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from flask import Flask

from services.intake.api.imports import csv_columns, template_csv
from services.intake.domain.importer import COLUMNS, REQUIRED_COLUMNS
from shared import apidocs
from shared.apidocs import blueprints_of, document_of
from shared.auth import declared_roles
from shared.auth import main as auth_main
from shared.config import SERVICES
from shared.events.consumer import OUTCOMES
from shared.openapi import api_config, build_api

REPO = Path(__file__).resolve().parents[3]
# The only operations without a bearer token: one-click unsubscribe (RFC 8058), whose signed token is
# the authorisation a mail client can carry.
PUBLIC_OPERATIONS = {
    ("notifications", "get", "/v1/unsubscribe"),
    ("notifications", "post", "/v1/unsubscribe"),
}


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_states_the_roles_its_route_requires(service):
    app = Flask(service)
    app.config.update(api_config(service, ""))
    api = build_api(app)
    for blueprint in blueprints_of(service):
        api.register_blueprint(blueprint)
    spec = api.spec.to_dict()
    routes = {
        # a converter (``<path:message_id>``) is not part of the OpenAPI path's parameter name
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)): declared_roles(
            app.view_functions[rule.endpoint]
        )
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if rule.rule.startswith("/v1") and method.lower() in apidocs.METHODS
    }
    checked = 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method not in apidocs.METHODS:
                continue
            roles = routes[(method, re.sub(r"{(\w+)}", r"<\1>", path))]
            if (service, method, path) in PUBLIC_OPERATIONS:  # authorised by what the request carries
                assert roles is None and op["security"] == [], (method, path)
                checked += 1
                continue
            assert roles is not None, f"{method} {path} has no require_roles"
            assert op["x-roles"] == list(roles), (method, path)
            assert op["description"].endswith("**Roles:** " + ", ".join(f"`{r}`" for r in roles))
            assert op["summary"], (method, path)
            checked += 1
    assert checked == len(routes)


def test_the_roles_table_of_the_guide_names_the_hr_only_org_chart_upload():
    table = apidocs.roles_table(["intake"])
    assert "| intake | `PUT /v1/orgchart` | hr |" in table
    assert "| intake | `GET /v1/programs` | admin, hr, service |" in table


def test_docs_page_loads_swagger_ui_from_the_service_itself_never_a_cdn():
    app = Flask("docs")
    apidocs.init_app(app, "Intake")
    client = app.test_client()
    page = client.get("/docs").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    for asset in re.findall(r'(?:src|href)="(/docs/[^"]+)"', page):
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.data) > 100, asset
    assert 'url: "/openapi.json"' in client.get("/docs/init.js").get_data(as_text=True)
    assert client.get("/docs/../app.py").status_code == 404


def test_program_creation_states_in_openapi_that_a_focus_area_is_required():
    schema = document_of("intake")["components"]["schemas"]["ProgramCreate"]
    alternatives = {tuple(option["required"]) for option in schema["anyOf"]}
    assert alternatives == {("focus_areas",), ("custom_focus_areas",)}
    assert all(prop["minItems"] == 1 for option in schema["anyOf"] for prop in option["properties"].values())


def test_the_import_operation_describes_every_column_the_importer_reads_and_its_limits():
    spec = document_of("intake")
    description = spec["paths"]["/v1/programs/{program_id}/imports"]["post"]["description"]
    for column in COLUMNS:
        assert f"| `{column}` | {'yes' if column in REQUIRED_COLUMNS else 'no'} |" in description
    assert "20 MiB" in description and "50,000 rows" in description
    assert [c.name for c in csv_columns()] == list(COLUMNS)
    template = spec["paths"]["/v1/programs/{program_id}/imports/template.csv"]["get"]
    assert "text/csv" in template["responses"]["200"]["content"]


def test_the_template_has_every_importer_column_and_a_leader_and_a_junior():
    rows = list(csv.reader(io.StringIO(template_csv(["ai-tools", "custom:green-it"]))))
    assert rows[0] == list(COLUMNS)
    examples = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [e["role"] for e in examples] == ["leader", "junior"]
    assert examples[0]["topics_to_learn"] == "ai-tools"
    assert examples[1]["topics_to_teach"] == "ai-tools;custom:green-it"


def test_consumed_outcomes_are_the_documented_set_and_the_only_ones_the_consumer_counts():
    contracts = (REPO / "docs" / "contracts.md").read_text()
    documented = re.search(r"events_consumed_total\{[^}]*\}` \(outcome =\s*([\w|]+)", contracts).group(1)
    assert tuple(documented.split("|")) == OUTCOMES
    source = ast.parse((REPO / "shared" / "events" / "consumer.py").read_text())
    used = set()
    for node in ast.walk(source):
        labels = isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "labels"
        if labels and len(node.args) == 4 and isinstance(node.args[3], ast.Constant):
            used.add(node.args[3].value)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "outcome" for t in node.targets):
            used |= {n.value for n in ast.walk(node.value) if isinstance(n, ast.Constant) and n.value}
    assert used and used <= set(OUTCOMES)


def test_a_dev_token_can_carry_several_roles(tmp_path, monkeypatch, capsys):
    import jwt

    monkeypatch.setenv("DEV_KEYS_DIR", str(tmp_path))
    auth_main(["dev-token", "--sub", "E000002", "--role", "admin", "--role", "hr"])
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["roles"] == ["admin", "hr"] and claims["sub"] == "E000002"

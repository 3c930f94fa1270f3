"""The OpenAPI document is complete: every route has a summary, schemas and its problem responses."""

from __future__ import annotations

import re

import jsonschema

from services.intake.domain.validation import iana_timezones
from shared.vocabulary import DEFAULT_WEIGHTS

PROBLEM_REF = "#/components/schemas/Problem"


def test_every_route_documents_its_summary_request_response_and_problem_responses(intake):
    spec = intake.client.get("/openapi.json").get_json()
    operations = [
        (method, path, op)
        for path, ops in spec["paths"].items()
        if path.startswith("/v1/")
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) == 20  # the 19 public ones and the workers' data-key lookup
    for method, path, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("summary"), where
        success = [code for code in op["responses"] if code.startswith("2")]
        assert len(success) == 1 and "content" in op["responses"][success[0]], where
        assert {"401", "403"} <= set(op["responses"]), where
        for code, response in op["responses"].items():
            if "$ref" in response:  # shared responses the chassis adds
                response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
            if code[0] in "45":
                assert response["content"]["application/problem+json"]["schema"]["$ref"] == PROBLEM_REF, where
        if method in ("put", "patch") or path.endswith(("/withdraw", "/status", "/imports")):
            assert op.get("requestBody", {}).get("content"), where
        if "{" in path:
            assert "404" in op["responses"] or path.startswith("/v1/orgchart"), where
        if "requestBody" in op or op.get("parameters"):
            assert "422" in op["responses"] or "{" in path, where
    assert spec["paths"]["/v1/orgchart"]["put"]["requestBody"]["content"]["application/json"]["schema"][
        "additionalProperties"
    ]["nullable"]
    assert spec["components"]["schemas"]["Problem"]["required"] == ["status", "title", "type"]


def test_rules_checked_in_code_are_stated_in_the_document_where_json_schema_can_say_them(intake):
    """Generated clients and tests (schemathesis) should not meet these only as 422s."""
    spec = intake.client.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for name in ("ProgramUpdate", "ParticipantUpdate", "ConsentUpdate"):
        assert schemas[name]["minProperties"] == 1, name
    # A weight left out keeps the value beneath it (default or current), so "at least one above 0" depends on
    # the program and is checked in code; what JSON Schema can say is each weight's name and range.
    weights = schemas["Rules"]["properties"]["weights"]["$ref"].rsplit("/", 1)[-1]
    assert schemas[weights]["additionalProperties"] is False
    ranges = {name: (p["minimum"], p["maximum"]) for name, p in schemas[weights]["properties"].items()}
    assert ranges == dict.fromkeys(DEFAULT_WEIGHTS, (0, 1))
    assert set(schemas["ParticipantCreate"]["properties"]["timezone"]["enum"]) == iana_timezones()
    language = schemas["ParticipantCreate"]["properties"]["languages"]["items"]
    assert re.fullmatch(language["pattern"], "pt-BR") and not re.fullmatch(language["pattern"], "")
    upload = spec["paths"]["/v1/orgchart"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert upload["minProperties"] == 1


def test_created_resources_link_to_the_operations_that_take_their_id(intake):
    spec = intake.client.get("/openapi.json").get_json()
    links = spec["paths"]["/v1/programs"]["post"]["responses"]["201"]["links"]
    get_program = links["get_v1_programs_program_id"]
    assert get_program == {
        "operationRef": "#/paths/~1v1~1programs~1{program_id}/get",
        "parameters": {"program_id": "$response.body#/program_id"},
    }
    for link in links.values():  # every link points at an operation that exists
        path, method = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
        assert method in spec["paths"][path.replace("~1", "/").replace("~0", "~")]
    participant_links = spec["paths"]["/v1/participants"]["post"]["responses"]["201"]["links"]
    assert len(participant_links) == 7  # get, patch, delete, withdraw, reenrol, consent, erase


def _json_schema(schema, components: dict):
    """An OpenAPI 3.0 schema as plain JSON Schema: references inlined, ``nullable`` as a null type."""
    if isinstance(schema, list):
        return [_json_schema(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _json_schema(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    converted = {k: _json_schema(v, components) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable") and "type" in converted:
        converted["type"] = [converted["type"], "null"]
    return converted


def test_a_program_without_language_rules_is_answered_as_documented(intake):
    """Found by fuzzing: the answer's ``rules.languages`` is [] (any language), the document said 1 to 20."""
    spec = intake.client.get("/openapi.json").get_json()
    components = spec["components"]["schemas"]
    created = intake.create_program(status="draft")
    assert created["rules"]["languages"] == []
    response = spec["paths"]["/v1/programs"]["post"]["responses"]["201"]
    jsonschema.validate(created, _json_schema(response["content"]["application/json"]["schema"], components))
    listed = intake.client.get("/v1/programs", headers=intake.admin).get_json()
    page = spec["paths"]["/v1/programs"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema.validate(listed, _json_schema(page, components))

"""The published contract (docs/) is exactly what the code generates, and real payloads satisfy it."""

from __future__ import annotations

import json

import jsonschema
import pytest
from marshmallow import ValidationError

from shared.contracts import PARTICIPANTS, TOPICS
from shared.demo import generate_cohort, generate_organisation
from shared.docs import render
from shared.events.registry import REGISTRY


def test_committed_docs_match_the_code():
    stale = [str(path) for path, text in render().items() if not path.exists() or path.read_text() != text]
    assert stale == [], f"run `make docs` and commit: {stale}"


def test_asyncapi_documents_every_topic_and_event_type():
    document = json.loads(next(t for p, t in render().items() if p.name == "asyncapi.json"))
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert set(TOPICS) <= addresses
    names = {m["name"] for m in document["components"]["messages"].values()}
    assert names == {t.name for t in REGISTRY.types()}


@pytest.fixture(scope="module")
def schemas():
    return {p.stem: json.loads(t) for p, t in render().items() if p.parent.name == "schemas"}


def test_demo_participants_validate_against_the_published_json_schema(schemas):
    schema = schemas["mentoring.participant.registered.v1"]
    assert REGISTRY.get("mentoring.participant.registered.v1").topic == PARTICIPANTS
    cohort = generate_cohort(
        generate_organisation(seed=3, employees=300), "prog", leaders=10, juniors=10, seed=3
    )
    for participant in cohort:
        jsonschema.validate(participant, schema)


def test_published_json_schema_rejects_unknown_fields_and_wrong_types(schemas):
    schema = schemas["mentoring.orgchart.employee_upserted.v1"]
    jsonschema.validate({"employee_id": "E1", "manager_id": None}, schema)
    for bad in ({"employee_id": "E1", "boss": "E2"}, {"employee_id": 7}, {"manager_id": "E2"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_an_erasure_event_may_carry_only_the_two_ids_consumers_key_by():
    """The event that tells everyone to forget a person must not itself name them (no employee id)."""
    ids = {"participant_id": "p-1", "program_id": "prog-1"}
    assert REGISTRY.validate("mentoring.participant.erased.v1", ids) == ids
    with pytest.raises(ValidationError, match="employee_id"):
        REGISTRY.validate("mentoring.participant.erased.v1", {**ids, "employee_id": "E000001"})
    published = json.loads(
        next(t for p, t in render().items() if p.name == "mentoring.participant.erased.v1.json")
    )
    assert published["additionalProperties"] is False
    assert set(published["properties"]) == set(ids)

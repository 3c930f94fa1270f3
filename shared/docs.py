"""Generate the published event contract from code: one JSON Schema per event type + an AsyncAPI 3 document.

``python -m shared.docs`` writes docs/schemas/*.json and docs/asyncapi.json; a contract test fails when the
committed files differ from what the code generates, so the documents cannot drift from the schemas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

import shared.contracts  # noqa: F401  (registers every event type)
from shared.contracts import CONSUMER_GROUPS, dlq_topic
from shared.events.envelope import dataschema_for
from shared.events.registry import REGISTRY

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _inline(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """Replace $refs to nested schemas by the nested schema itself (each file stands alone)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(components[schema["$ref"].rsplit("/", 1)[-1]], components)
        return {k: _inline(v, components) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(v, components) for v in schema]
    return schema


def json_schemas() -> dict[str, dict[str, Any]]:
    plugin = MarshmallowPlugin()
    spec = APISpec("events", "1", "3.1.0", plugins=[plugin])
    out = {}
    for event_type in REGISTRY.types():
        name = event_type.schema.__name__
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=event_type.schema)
    components = spec.to_dict()["components"]["schemas"]
    for event_type in REGISTRY.types():
        payload = _inline(components[event_type.schema.__name__], components)
        out[event_type.name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": dataschema_for(event_type.name),
            "title": event_type.name,
            "description": event_type.description,
            **payload,
            "additionalProperties": False,
        }
    return out


def asyncapi(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type in REGISTRY.types():
        message_id = event_type.name.replace(".", "_")
        messages[message_id] = {
            "name": event_type.name,
            "title": event_type.name,
            "summary": event_type.description,
            "contentType": "application/cloudevents+json",
            "bindings": {
                "kafka": {"key": {"type": "string", "description": "aggregate id (= CloudEvents subject)"}}
            },
            "payload": {
                "type": "object",
                "required": ["specversion", "id", "source", "type", "time", "data"],
                "properties": {
                    "specversion": {"const": "1.0"},
                    "id": {"type": "string"},
                    "source": {"type": "string"},
                    "type": {"const": event_type.name},
                    "subject": {"type": "string"},
                    "time": {"type": "string", "format": "date-time"},
                    "datacontenttype": {"const": "application/json"},
                    "dataschema": {"const": dataschema_for(event_type.name)},
                    "data": {k: v for k, v in schemas[event_type.name].items() if not k.startswith("$")},
                },
            },
        }
        channel = channels.setdefault(
            event_type.topic.replace(".", "_"),
            {"address": event_type.topic, "messages": {}, "description": f"Kafka topic {event_type.topic}"},
        )
        channel["messages"][message_id] = {"$ref": f"#/components/messages/{message_id}"}
    for group, topics in CONSUMER_GROUPS.items():
        for topic in topics:
            address = dlq_topic(topic, group)
            channels[address.replace(".", "_")] = {
                "address": address,
                "description": f"Dead letters of consumer group {group} on {topic}: original bytes, headers "
                "dlq_reason, dlq_topic, dlq_partition, dlq_offset, dlq_group, dlq_attempts, dlq_failed_at.",
            }
    operations = {}
    for message_id, message in messages.items():
        channel_id = REGISTRY.get(message["name"]).topic.replace(".", "_")
        operations[f"publish_{message_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{message_id}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Reverse-mentoring events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 (structured JSON) on Kafka; key = aggregate id. Delivery is "
            "at-least-once: deduplicate by the CloudEvents id.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


GENERATED = "<!-- generated from the code by `make docs` (python -m shared.docs): edit the code -->\n"


def guide_pages() -> dict[Path, str]:
    """The guide's pages that are read from the code: who may call what, and the people CSV's format."""
    from services.intake.api.imports import csv_format_markdown
    from shared.apidocs import roles_table
    from shared.config import SERVICES

    roles = (
        f"{GENERATED}# Who may call what\n\n"
        "Each operation needs a bearer token holding one of these roles (`require_roles` on the route;\n"
        "each operation's description at `/docs` says the same). Where the summary says *its admins* or\n"
        "*own*, the role is not enough: the caller must also be one of the program's `admins`, or the\n"
        "participant concerned (the token's subject is the employee id). Without the role: 403.\n\n"
        + roles_table(list(SERVICES))
    )
    title = "# The people CSV (`POST /v1/programs/{program_id}/imports`)\n\n"
    csv_page = GENERATED + title + csv_format_markdown()
    return {DOCS / "guide" / "roles.md": roles, DOCS / "guide" / "csv-import.md": csv_page}


def render() -> dict[Path, str]:
    schemas = json_schemas()
    files = {
        DOCS / "schemas" / f"{name}.json": json.dumps(body, indent=2) + "\n" for name, body in schemas.items()
    }
    files[DOCS / "asyncapi.json"] = json.dumps(asyncapi(schemas), indent=2) + "\n"
    files.update(guide_pages())
    return files


def main() -> int:
    for path, text in render().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(render())} files under {DOCS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

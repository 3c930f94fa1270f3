"""CloudEvents 1.0 envelope (structured JSON mode, Kafka binding), built and parsed strictly."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
TYPE_PATTERN = re.compile(r"^mentoring\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
REQUIRED = ("specversion", "id", "source", "type")


class EnvelopeError(ValueError):
    """The bytes on the wire are not a CloudEvent we can read; such a message is dead-lettered."""


@dataclass(frozen=True)
class Event:
    """A decoded event: envelope attributes plus the (validated) payload."""

    id: str
    type: str
    source: str
    subject: str | None
    time: str
    data: dict[str, Any]
    dataschema: str | None = None
    extensions: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        envelope = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": "application/json",
            "dataschema": self.dataschema,
            "data": self.data,
            **self.extensions,
        }
        return {k: v for k, v in envelope.items() if v is not None}

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()


def dataschema_for(event_type: str) -> str:
    """The identifier of a type's published JSON Schema (docs/schemas/<type>.json carries it as $id)."""
    return f"urn:mentoring:schema:{event_type}"


def make_event(
    event_type: str,
    source: str,
    subject: str | None,
    data: dict[str, Any],
    *,
    event_id: str | None = None,
    time: datetime | None = None,
) -> Event:
    if not TYPE_PATTERN.match(event_type):
        raise EnvelopeError(f"event type {event_type!r} does not follow mentoring.<aggregate>.<verb>.v<N>")
    return Event(
        id=event_id or str(uuid.uuid4()),
        type=event_type,
        source=source,
        subject=subject,
        time=(time or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        data=data,
        dataschema=dataschema_for(event_type),
    )


def parse_event(raw: bytes | str | dict[str, Any]) -> Event:
    """Decode a structured-mode CloudEvent; raises EnvelopeError naming what is wrong."""
    if isinstance(raw, dict):
        body = raw
    else:
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise EnvelopeError(f"not JSON: {error}") from error
    if not isinstance(body, dict):
        raise EnvelopeError("envelope must be a JSON object")
    missing = [name for name in REQUIRED if not isinstance(body.get(name), str) or not body.get(name)]
    if missing:
        raise EnvelopeError(f"missing CloudEvents attributes: {', '.join(missing)}")
    if body["specversion"] != SPEC_VERSION:
        raise EnvelopeError(f"unsupported specversion {body['specversion']!r}")
    if not TYPE_PATTERN.match(body["type"]):
        raise EnvelopeError(f"event type {body['type']!r} does not follow mentoring.<aggregate>.<verb>.v<N>")
    data = body.get("data")
    if not isinstance(data, dict):
        raise EnvelopeError("data must be a JSON object")
    known = {
        "specversion",
        "id",
        "source",
        "type",
        "subject",
        "time",
        "datacontenttype",
        "dataschema",
        "data",
    }
    return Event(
        id=body["id"],
        type=body["type"],
        source=body["source"],
        subject=body.get("subject"),
        time=body.get("time") or "",
        data=data,
        dataschema=body.get("dataschema"),
        extensions={k: v for k, v in body.items() if k not in known},
    )

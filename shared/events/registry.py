"""Registry of event types: each type's topic and marshmallow payload schema, the contract in code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError


class UnknownEventType(KeyError):
    """An event type no schema is registered for; consumers dead-letter such events."""


@dataclass(frozen=True)
class EventType:
    name: str
    topic: str
    schema: type[Schema]
    description: str
    event_class: type | None = None

    @property
    def aggregate(self) -> str:
        return self.name.split(".")[1]


class EventRegistry:
    def __init__(self) -> None:
        self._types: dict[str, EventType] = {}
        self._instances: dict[str, Schema] = {}

    def register(
        self,
        name: str,
        topic: str,
        schema: type[Schema],
        description: str,
        *,
        event_class: type | None = None,
    ) -> EventType:
        existing = self._types.get(name)
        if existing and (existing.schema is not schema or existing.topic != topic):
            raise ValueError(f"event type {name} registered twice with different schemas or topics")
        event_type = EventType(name, topic, schema, description, event_class)
        self._types[name] = event_type
        self._instances.pop(name, None)
        return event_type

    def get(self, name: str) -> EventType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def _schema(self, name: str) -> Schema:
        """One schema instance per type, reused (building a nested schema costs more than using it)."""
        schema = self._instances.get(name)
        if schema is None:
            schema = self._instances[name] = self.get(name).schema()
        return schema

    def check(self, name: str, data: dict[str, Any]) -> None:
        """Raise ValidationError (per-field messages) unless the payload satisfies the type's schema.

        Producers only need the verdict: the payload they publish is the one they built."""
        self._schema(name).load(data)

    def validate(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        """Validate and normalise a payload (defaults filled in): what a consumer hands its handler."""
        schema = self._schema(name)
        return schema.dump(schema.load(data))

    def type_name(self, key: str | type) -> str:
        """The registered type name of a handler key (a type name or a published event class)."""
        name = getattr(key, "type", key)
        if not isinstance(name, str):
            raise UnknownEventType(repr(key))
        return self.get(name).name

    def types(self) -> list[EventType]:
        return sorted(self._types.values(), key=lambda t: t.name)

    def topics(self) -> list[str]:
        return sorted({t.topic for t in self._types.values()})


REGISTRY = EventRegistry()

__all__ = ["REGISTRY", "EventRegistry", "EventType", "UnknownEventType", "ValidationError"]

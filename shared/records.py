"""Plain-dict views of domain objects: what an aggregate stores or an event carries, by field name."""

from __future__ import annotations

from typing import Any


def pick(source: object, *names: str) -> dict[str, Any]:
    """``{name: source.<name>}`` for the named attributes, in that order (records and payloads say which
    fields they carry; the values come from the object, so a record never drifts from its aggregate)."""
    return {name: getattr(source, name) for name in names}

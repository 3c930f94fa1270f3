"""Ids derived from what caused them: a replayed trigger or a repeated publish writes the same documents."""

from __future__ import annotations

import uuid

DERIVED_IDS = uuid.UUID("6f1c0b8e-53a5-4c3e-9a55-0b1f7e0c2a11")  # namespace of derived ids


def derived_id(*parts: str) -> str:
    """The same parts always give the same id (uuid5 in matching's namespace)."""
    return str(uuid.uuid5(DERIVED_IDS, ":".join(parts)))

"""What routes read: pairing health and the pairing views, authorised through ``access``."""

from __future__ import annotations

from typing import Any

from services.feedback.service import access
from services.feedback.store import FeedbackUnitOfWork
from shared.auth import Principal

HEALTH_FIELDS = ("pairing_id", "program_id", "leader_id", "junior_id", "state", "activated_on", "ended_on",
                 "end_kind", "health", "at_risk")  # fmt: skip


def pairing_health(uow: FeedbackUnitOfWork, pairing_id: str, principal: Principal) -> dict[str, Any]:
    found, _side = access.readable_pairing(uow, pairing_id, principal)
    return {name: found.get(name) for name in HEALTH_FIELDS if name in found}

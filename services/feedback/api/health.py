"""Pairing health: the score and its components, for either side of the pairing, an admin of its program
or a service."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.feedback.schemas import PairingHealthSchema
from services.feedback.service import queries
from shared.app import current_bus
from shared.auth import current_principal, require_roles

blp = Blueprint("health", __name__, url_prefix="/v1", description="Pairing health")


@blp.get("/pairings/<pairing_id>/health")
@require_roles("admin", "participant", "service")
@blp.response(200, PairingHealthSchema)
def pairing_health(pairing_id: str) -> dict:
    return queries.pairing_health(current_bus().uow, pairing_id, current_principal())

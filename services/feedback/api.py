"""Feedback's HTTP routes."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.feedback import service
from services.feedback.schemas import PairingHealthSchema
from shared.app import current_bus
from shared.auth import require_roles

blp = Blueprint("feedback", __name__, url_prefix="/v1", description="Goals, check-ins, pulse, insights")


@blp.get("/pairings/<pairing_id>/health")
@require_roles("admin", "service")
@blp.response(200, PairingHealthSchema)
def pairing_health(pairing_id: str) -> dict:
    return service.pairing_health(current_bus().uow, pairing_id)

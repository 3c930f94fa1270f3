"""Feedback's HTTP routes."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from services.feedback.schemas import PairingHealthSchema
from shared.auth import require_roles
from shared.errors import NotFound

blp = Blueprint("feedback", __name__, url_prefix="/v1", description="Goals, check-ins, pulse, insights")


@blp.get("/pairings/<pairing_id>/health")
@blp.response(200, PairingHealthSchema)
@require_roles("admin", "service")
def pairing_health(pairing_id: str) -> dict:
    record = current_app.extensions["pairing_health"].get(pairing_id)
    if record is None:
        raise NotFound(f"pairing {pairing_id} has no health record")
    return record

"""A person's notification preferences: ``/v1/me/preferences`` (channels per category, locale, quiet
hours, daily digest). Mandatory messages cannot be switched off: a 422 names the field."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.notifications.schemas.preferences import PreferencesUpdate, PreferencesView
from services.notifications.service import people
from shared.app import current_bus
from shared.auth import current_principal, require_roles

blp = Blueprint("preferences", __name__, url_prefix="/v1/me", description="Your notification preferences")
PEOPLE = ("participant", "admin", "hr")


def _view(employee_id: str) -> dict:
    uow = current_bus().uow
    return {
        **people.preferences_of(uow, employee_id).view(),
        "timezone": people.timezone_of(uow, employee_id),
    }


@blp.get("/preferences")
@require_roles(*PEOPLE)
@blp.response(200, PreferencesView)
def get_preferences() -> dict:
    """Your preferences (defaults until you change them) and the time zone they are applied in."""
    return _view(current_principal().subject)


@blp.put("/preferences")
@require_roles(*PEOPLE)
@blp.arguments(PreferencesUpdate)
@blp.response(200, PreferencesView)
def put_preferences(change: dict) -> dict:
    """Change the fields given; all or nothing."""
    subject = current_principal().subject
    current_bus().handle(people.SavePreferences(subject, change))
    return _view(subject)

"""How to reach a participant: display name, work e-mail and preferred locale.

Contact details stay out of the participant events (they live on in the long-retention participants topic);
intake publishes them on the compacted contacts topic instead (``contact.upserted``, and ``contact.erased``
on erasure, so compaction keeps only the ids-only record). The same checks serve the API, the aggregate and
the CSV importer; error messages never repeat the value (it is personal data and ends up in logs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError
from marshmallow.validate import Email

from services.intake.domain.errors import InvalidInput, InvalidValue
from services.intake.domain.validation import check_language

CONTACT_FIELDS = ("display_name", "email", "locale")
MAX_DISPLAY_NAME = 120
MAX_EMAIL = 254  # RFC 5321: the longest address a mail server accepts
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The contract's own rule (``ContactPayload.email``), so what intake accepts always publishes.
_EMAIL = Email()


def check_display_name(value: Any) -> str | None:
    """How the person is addressed: optional, one line, at most ``MAX_DISPLAY_NAME`` characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue("display name must be text")
    value = " ".join(value.split())
    if _CONTROL.search(value):
        raise InvalidValue("display name must not contain control characters")
    if len(value) > MAX_DISPLAY_NAME:
        raise InvalidValue(f"display name must be at most {MAX_DISPLAY_NAME} characters, got {len(value)}")
    return value or None


def check_email(value: Any) -> str | None:
    """A work e-mail address (optional); the domain is lower-cased, the local part kept as given."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue("email must be text")
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_EMAIL:
        raise InvalidValue(f"email must be at most {MAX_EMAIL} characters, got {len(value)}")
    try:
        _EMAIL(value)
    except ValidationError:
        raise InvalidValue("email is not a valid e-mail address (e.g. 'ana.silva@example.com')") from None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def check_locale(value: Any) -> str | None:
    """The preferred locale of messages: a BCP 47 tag (``en``, ``fr``, ``pt-BR``), optional."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return check_language(value)
    except InvalidValue:
        raise InvalidValue(
            f"locale must be a BCP 47 language tag such as 'en', 'fr' or 'pt-BR', got {value!r}"
        ) from None


CHECKS = {"display_name": check_display_name, "email": check_email, "locale": check_locale}


def clean_contact(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The contact fields present in ``raw``, checked; every bad field reported at once."""
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in CONTACT_FIELDS:
        if name in raw:
            try:
                clean[name] = CHECKS[name](raw[name])
            except InvalidValue as error:
                errors[name] = [str(error)]
    if errors:
        raise InvalidInput(errors)
    return clean

"""The Participant aggregate (``participant``) and what a participant tells intake (``profile``: roles,
statuses, profile fields, consent and the checks of a profile against its program; ``contact``: how to
reach them)."""

from services.intake.domain.participants.contact import CONTACT_FIELDS, clean_contact
from services.intake.domain.participants.participant import Participant
from services.intake.domain.participants.profile import (
    CONSENT_WITHDRAWN_REASON,
    ENROLLED,
    ERASED,
    IDENTITY_FIELDS,
    JUNIOR,
    LEADER,
    MAX_REASON,
    PROFILE_FIELDS,
    REGISTRATION_FIELDS,
    REQUIRED_FIELDS,
    STATUSES,
    WITHDRAWN,
    Consent,
    clean_profile,
)

__all__ = [
    "CONSENT_WITHDRAWN_REASON",
    "CONTACT_FIELDS",
    "ENROLLED",
    "ERASED",
    "IDENTITY_FIELDS",
    "JUNIOR",
    "LEADER",
    "MAX_REASON",
    "PROFILE_FIELDS",
    "REGISTRATION_FIELDS",
    "REQUIRED_FIELDS",
    "STATUSES",
    "WITHDRAWN",
    "Consent",
    "Participant",
    "clean_contact",
    "clean_profile",
]

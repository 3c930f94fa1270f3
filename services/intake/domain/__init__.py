"""Intake's pure domain: programs, participants, org chart, retention; imports no flask, pymongo or kafka."""

from .errors import Conflict, IntakeError, InvalidInput, InvalidTransition, InvalidValue
from .events import (
    EVENT_CLASSES,
    DomainEvent,
    OrgChartEmployeeUpserted,
    ParticipantErased,
    ParticipantRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
    ProgramCreated,
    ProgramStatusChanged,
    ProgramUpdated,
)
from .orgchart import OrgChart, OrgChartDiff, OrgChartProblem, diff_org_charts
from .participants import Consent, Participant, clean_profile
from .programs import ALLOWED_TRANSITIONS, Program, ProgramRules
from .retention import RetentionPolicy

__all__ = [
    "ALLOWED_TRANSITIONS",
    "EVENT_CLASSES",
    "Conflict",
    "Consent",
    "DomainEvent",
    "IntakeError",
    "InvalidInput",
    "InvalidTransition",
    "InvalidValue",
    "OrgChart",
    "OrgChartDiff",
    "OrgChartEmployeeUpserted",
    "OrgChartProblem",
    "Participant",
    "ParticipantErased",
    "ParticipantRegistered",
    "ParticipantUpdated",
    "ParticipantWithdrawn",
    "Program",
    "ProgramCreated",
    "ProgramRules",
    "ProgramStatusChanged",
    "ProgramUpdated",
    "RetentionPolicy",
    "clean_profile",
    "diff_org_charts",
]

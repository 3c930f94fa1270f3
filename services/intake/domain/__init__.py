"""Intake's pure domain: programs, participants, org chart, retention, the CSV importer; imports no flask,
pymongo or kafka."""

from .errors import Conflict, InvalidInput, InvalidTransition, InvalidValue
from .events import (
    ContactErased,
    ContactUpserted,
    DomainEvent,
    ImportCompleted,
    OrgChartEmployeeUpserted,
    OrgChartUploaded,
    ParticipantErased,
    ParticipantRecorded,
    ParticipantRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
    ProgramCreated,
    ProgramPurged,
    ProgramRecorded,
    ProgramStatusChanged,
    ProgramUpdated,
    ReportingLineSet,
)
from .orgchart import OrgChart, OrgChartDiff, OrgChartProblem, diff_org_charts
from .participants import Consent, Participant, clean_profile
from .programs import ALLOWED_TRANSITIONS, Program, ProgramRules
from .retention import RetentionPolicy

__all__ = [
    "ALLOWED_TRANSITIONS",
    "Conflict",
    "Consent",
    "ContactErased",
    "ContactUpserted",
    "DomainEvent",
    "ImportCompleted",
    "InvalidInput",
    "InvalidTransition",
    "InvalidValue",
    "OrgChart",
    "OrgChartDiff",
    "OrgChartEmployeeUpserted",
    "OrgChartProblem",
    "OrgChartUploaded",
    "Participant",
    "ParticipantErased",
    "ParticipantRecorded",
    "ParticipantRegistered",
    "ParticipantUpdated",
    "ParticipantWithdrawn",
    "Program",
    "ProgramCreated",
    "ProgramPurged",
    "ProgramRecorded",
    "ProgramRules",
    "ProgramStatusChanged",
    "ProgramUpdated",
    "ReportingLineSet",
    "RetentionPolicy",
    "clean_profile",
    "diff_org_charts",
]

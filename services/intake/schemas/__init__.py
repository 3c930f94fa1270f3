"""Marshmallow schemas of intake's HTTP bodies, query arguments and responses, one module per concern
(event payloads live once, in ``shared.contracts.payloads``).

Field rules call the same checks as the domain (``domain.validation``) so the API, the aggregates and the
CSV importer give the same messages.
"""

from services.intake.schemas.imports import (
    ImportedRowSchema,
    ImportReportSchema,
    ImportUploadSchema,
    RejectedRowSchema,
)
from services.intake.schemas.orgchart import (
    MAX_ORGCHART_EMPLOYEES,
    ORGCHART_UPLOAD_DOC,
    OrgChartProblemSchema,
    OrgChartProblemsSchema,
    OrgChartUploadReportSchema,
    OrgChartUploadSchema,
)
from services.intake.schemas.participants import (
    AvailabilityWindowSchema,
    ConsentSchema,
    ConsentUpdateSchema,
    ParticipantCreateSchema,
    ParticipantListArgsSchema,
    ParticipantPageSchema,
    ParticipantSchema,
    ParticipantUpdateSchema,
    WithdrawSchema,
)
from services.intake.schemas.programs import (
    PageArgsSchema,
    ProgramCreateSchema,
    ProgramListArgsSchema,
    ProgramPageSchema,
    ProgramSchema,
    ProgramUpdateSchema,
    PurgeReportSchema,
    RulesSchema,
    StatusTransitionSchema,
)

__all__ = [
    "MAX_ORGCHART_EMPLOYEES",
    "ORGCHART_UPLOAD_DOC",
    "AvailabilityWindowSchema",
    "ConsentSchema",
    "ConsentUpdateSchema",
    "ImportReportSchema",
    "ImportUploadSchema",
    "ImportedRowSchema",
    "OrgChartProblemSchema",
    "OrgChartProblemsSchema",
    "OrgChartUploadReportSchema",
    "OrgChartUploadSchema",
    "PageArgsSchema",
    "ParticipantCreateSchema",
    "ParticipantListArgsSchema",
    "ParticipantPageSchema",
    "ParticipantSchema",
    "ParticipantUpdateSchema",
    "ProgramCreateSchema",
    "ProgramListArgsSchema",
    "ProgramPageSchema",
    "ProgramSchema",
    "ProgramUpdateSchema",
    "PurgeReportSchema",
    "RejectedRowSchema",
    "RulesSchema",
    "StatusTransitionSchema",
    "WithdrawSchema",
]

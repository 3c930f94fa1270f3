"""HTTP schemas of intake's data as matching projects it: participants and programs."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.contracts import ParticipantPayload, ProgramPayload
from shared.http import PageQuery, PageSchema


class ParticipantQuery(PageQuery):
    program_id = fields.String()
    role = fields.String(validate=validate.OneOf(("leader", "junior")))


class ProjectedParticipant(ParticipantPayload):
    class Meta:
        unknown = "exclude"


class ParticipantPage(PageSchema):
    items = fields.List(fields.Nested(ProjectedParticipant))


class ProjectedProgram(ProgramPayload):
    """The program as projected from its events, where dates travel as ISO strings."""

    class Meta:
        unknown = "exclude"

    starts_on = fields.String(allow_none=True, metadata={"format": "date"})
    ends_on = fields.String(allow_none=True, metadata={"format": "date"})

"""HTTP schemas of the matching API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

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
    class Meta:
        unknown = "exclude"

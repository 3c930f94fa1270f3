"""The people CSV upload and the import report (accepted, updated, unchanged and rejected rows)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.http import StrictSchema


class ImportUploadSchema(StrictSchema):
    """``multipart/form-data`` with the CSV in ``file`` (columns: see ``services.intake.domain.importer``)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportedRowSchema(Schema):
    row = fields.Integer()
    employee_id = fields.String()
    participant_id = fields.String()


class RejectedRowSchema(Schema):
    row = fields.Integer(metadata={"description": "CSV record number; the header is row 1"})
    employee_id = fields.String(allow_none=True)
    field = fields.String()
    reason = fields.String()


class ImportReportSchema(Schema):
    total_rows = fields.Integer()
    accepted = fields.List(fields.Nested(ImportedRowSchema))
    updated = fields.List(fields.Nested(ImportedRowSchema))
    unchanged = fields.Integer()
    rejected = fields.List(fields.Nested(RejectedRowSchema))

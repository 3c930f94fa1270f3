"""HTTP building blocks every service's API shares: strict schemas, pagination, the principal."""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, fields, validate

MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000  # deeper paging is a sign of a missing filter; it also keeps skip() inside int64


class StrictSchema(Schema):
    """Request schemas reject unknown fields, so a typo is a 422 naming the field, not silently lost."""

    class Meta:
        unknown = RAISE


class PartialWeights(StrictSchema):
    """Score component weights, each 0-1, by the names of ``shared.vocabulary.DEFAULT_WEIGHTS``. Everywhere a
    name is left out it keeps the value beneath it: the default when a program is created, the program's
    current value when its rules are updated or a match run overrides them. Matching normalises the
    weights to sum 1, so only their ratios count; at least one must stay above 0."""

    topic_fit = fields.Float(allow_nan=False, validate=validate.Range(0, 1, error="must be from 0 to 1"))
    reverse_fit = fields.Float(allow_nan=False, validate=validate.Range(0, 1, error="must be from 0 to 1"))
    availability = fields.Float(allow_nan=False, validate=validate.Range(0, 1, error="must be from 0 to 1"))
    language = fields.Float(allow_nan=False, validate=validate.Range(0, 1, error="must be from 0 to 1"))
    focus = fields.Float(allow_nan=False, validate=validate.Range(0, 1, error="must be from 0 to 1"))
    diversity = fields.Float(allow_nan=False, validate=validate.Range(0, 1, error="must be from 0 to 1"))


class PageQuery(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class ProblemFieldError(Schema):
    field = fields.String(required=True, metadata={"description": "the offending field, dotted for nesting"})
    message = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details, the body of every error response (``application/problem+json``)."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String(allow_none=True)
    code = fields.String(
        metadata={"description": "machine-readable reason a rule refused (service-specific)"}
    )
    errors = fields.List(fields.Nested(ProblemFieldError), metadata={"description": "one per bad field"})

    class Meta:
        # RFC 9457 extension members: what a service adds about its refusal (e.g. matching's
        # ``projection_as_of`` on a 409 stale_projection) is part of the problem, not an error
        unknown = INCLUDE


class PageSchema(Schema):
    """Base of list responses: subclasses add ``items``."""

    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True)


def page_of(items: list[Any], total: int, page: int, page_size: int) -> dict[str, Any]:
    return {"items": items, "page": page, "page_size": page_size, "total": total}


def skip_limit(query: dict[str, Any]) -> tuple[int, int]:
    return (query["page"] - 1) * query["page_size"], query["page_size"]

"""HTTP schemas of the webhook endpoints API (the events an endpoint receives are the contract's
CloudEvents; their schemas live in shared/contracts)."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.http import PageQuery, PageSchema, StrictSchema


def url_field(**options: object) -> fields.String:
    return fields.String(
        **options,
        validate=validate.Length(min=1, max=2000),
        metadata={
            "description": "http(s) URL the events are POSTed to; hosts resolving to loopback, link-local, "
            "private or reserved addresses are refused unless the service's allow-list names them"
        },
    )


def event_types_field(**options: object) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(max=200)),
        validate=validate.Length(min=1, max=50),
        metadata={
            "description": "CloudEvents types to receive: pairing, match run, program and feedback events, "
            "e.g. mentoring.pairing.published.v1 (participant and contact events are never sent)"
        },
        **options,
    )


class EndpointCreate(StrictSchema):
    url = url_field(required=True)
    event_types = event_types_field(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=500))
    program_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "only this program's events (required for admins; a service may omit it)"},
    )


class EndpointChange(StrictSchema):
    url = url_field()
    event_types = event_types_field()
    description = fields.String(validate=validate.Length(max=500))
    disabled = fields.Boolean(metadata={"description": "false enables a disabled endpoint again"})


class SigningSecret(Schema):
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True, metadata={"description": "end of a rotation's overlap"})


class EndpointSchema(Schema):
    endpoint_id = fields.String()
    url = fields.String()
    event_types = fields.List(fields.String())
    description = fields.String()
    program_id = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    disabled = fields.Boolean()
    disabled_reason = fields.String(allow_none=True)
    disabled_at = fields.DateTime(allow_none=True)
    failing_since = fields.DateTime(allow_none=True)
    signing_secrets = fields.List(fields.Nested(SigningSecret))


class EndpointWithSecret(EndpointSchema):
    secret = fields.String(
        metadata={"description": "whsec_… signing secret; shown only in this answer — store it now"}
    )


class EndpointList(Schema):
    items = fields.List(fields.Nested(EndpointSchema))


class MessageQuery(PageQuery):
    since = fields.AwareDateTime(load_default=None, metadata={"description": "planned at or after"})
    until = fields.AwareDateTime(load_default=None, metadata={"description": "planned before"})


class MessageSchema(Schema):
    msg_id = fields.String(metadata={"description": "the webhook-id header of every attempt"})
    endpoint_id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    program_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending, delivered, failed, aborted or cancelled"})
    series = fields.Integer(metadata={"description": "0, then one more for each replay"})
    attempts = fields.Integer()
    created_at = fields.DateTime()
    event_time = fields.String()
    last_attempt_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)


class MessagePage(PageSchema):
    items = fields.List(fields.Nested(MessageSchema))


class AttemptSchema(Schema):
    msg_id = fields.String()
    series = fields.Integer()
    attempt = fields.Integer()
    url = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Float(allow_none=True)
    error = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "sending, delivered, retry, abort or gone"})


class AttemptList(Schema):
    items = fields.List(fields.Nested(AttemptSchema))


class ReplayRequest(StrictSchema):
    """One message by ``msg_id``, or every message planned in [since, until)."""

    # the rule ``_one_way`` checks, stated in the document so clients and generated tests meet it there
    OPENAPI_KEYWORDS: ClassVar[dict[str, Any]] = {
        "oneOf": [
            {"required": ["msg_id"], "not": {"anyOf": [{"required": ["since"]}, {"required": ["until"]}]}},
            {"required": ["since"], "not": {"required": ["msg_id"]}},
        ]
    }

    msg_id = fields.String(validate=validate.Length(min=1, max=100))
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()

    @validates_schema
    def _one_way(self, data: dict, **_: object) -> None:
        if ("msg_id" in data) == ("since" in data):
            raise ValidationError("give msg_id, or since (and optionally until)", "msg_id")
        if "until" in data and "since" not in data:
            raise ValidationError("until needs since", "since")


class Replayed(Schema):
    replayed = fields.List(fields.String(), metadata={"description": "msg ids sent again"})

"""One-click unsubscribe (RFC 8058): ``POST /v1/unsubscribe?token=…`` is what a mail client sends for
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``; ``GET`` is the page a person who clicks the link
sees, with a button that posts the same. No bearer token: the signed token is the authorisation (it
names one person, one category and one channel, and expires). A forged or expired token is a 401; a
token naming a mandatory category is a 409 (transactional messages cannot be switched off)."""

from __future__ import annotations

import os
from functools import cache
from html import escape

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import fields

from services.notifications.config import DeliveryConfig
from services.notifications.domain.routing import CATEGORIES
from services.notifications.domain.unsubscribe import Claims, UnsubscribeKeys
from services.notifications.service import people
from shared.app import current_bus
from shared.errors import Unauthorized
from shared.http import ProblemSchema, StrictSchema
from shared.problems import PROBLEM_JSON

blp = Blueprint(
    "unsubscribe", __name__, url_prefix="/v1", description="One-click unsubscribe from e-mail (RFC 8058)"
)
PUBLIC = {"security": []}  # OpenAPI: no bearer token; the signed token in the query authorises
HTML = {"schema": {"type": "string", "description": "an HTML page"}}


class TokenQuery(StrictSchema):
    token = fields.String(required=True, metadata={"description": "the signed token of the e-mail's link"})


class UnsubscribedView(StrictSchema):
    category = fields.String(required=True)
    channel = fields.String(required=True)
    unsubscribed = fields.Boolean(required=True)


@cache
def configured_keys() -> UnsubscribeKeys | None:
    """Read once per process from the environment (the worker signs with the same secret)."""
    return DeliveryConfig.from_env(os.environ).unsubscribe_links.keys


def _claims(token: str) -> Claims:
    keys = configured_keys()
    if keys is None:
        raise Unauthorized("one-click unsubscribe is not configured here; use your preferences page")
    return keys.read(token)


def _page(title: str, body: str, form: str = "") -> Response:
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1><p>{escape(body)}</p>"
        f"{form}</body></html>"
    )
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


@blp.get("/unsubscribe")
@blp.arguments(TokenQuery, location="query")
@blp.doc(**PUBLIC, responses={"200": {"description": "a confirmation page", "content": {"text/html": HTML}}})
def confirm_unsubscribe(query: dict) -> Response:
    """The page an unsubscribe link opens: what it switches off, and a button that does it (a GET
    changes nothing, so a mail scanner following links unsubscribes nobody)."""
    claims = _claims(query["token"])
    category = claims.category.replace("_", " ")
    if CATEGORIES[claims.category].mandatory:
        return _page(
            "These e-mails cannot be switched off",
            f"Messages about {category} are part of taking part in the program.",
        )
    action = escape(f"{request.base_url}?{request.query_string.decode()}")
    form = (
        f'<form method="post" action="{action}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">Stop {escape(category)} e-mails</button></form>'
    )
    return _page("Unsubscribe", f"You will no longer receive {category} messages by e-mail.", form)


@blp.post("/unsubscribe")
@blp.arguments(TokenQuery, location="query")
@blp.response(200, UnsubscribedView)
@blp.alt_response(
    409,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="the token names a mandatory category: such messages cannot be switched off",
)
@blp.doc(
    **PUBLIC,
    responses={
        "200": {
            "description": "JSON for a mail client, a page for a browser (Accept: text/html)",
            "content": {"application/json": {"schema": UnsubscribedView}, "text/html": HTML},
        }
    },
)
def unsubscribe(query: dict) -> dict | Response:
    """Switch the token's channel off for its category (idempotent). A browser posting the page's form
    gets a page back; a mail client gets JSON (RFC 8058 ignores the body)."""
    claims = _claims(query["token"])
    current_bus().handle(people.Unsubscribe(claims.recipient, claims.category, claims.channel))
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        category = claims.category.replace("_", " ")
        return _page("Unsubscribed", f"You will no longer receive {category} messages by e-mail.")
    return {"category": claims.category, "channel": claims.channel, "unsubscribed": True}

"""One-click unsubscribe links (RFC 8058): a signed token names who, which category and which channel,
and is the only authorisation ``POST /v1/unsubscribe`` needs — a mail client posts it without the
person being signed in.

The token is a JWT signed with HS256 and a secret only notifications holds (``UNSUBSCRIBE_SECRET``;
Helm: an existing Secret), with an expiry; claims: ``sub`` (the recipient's employee id), ``cat``,
``ch``, ``aud``, ``iat``, ``exp``. Mandatory (transactional) categories get no one-click link: their
e-mails' ``List-Unsubscribe`` points at the preferences page, and a signed token naming one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

import jwt

from services.notifications.domain.routing import CATEGORIES
from shared.errors import Unauthorized

ALGORITHM = "HS256"
AUDIENCE = "notifications:unsubscribe"
DEFAULT_TTL = timedelta(days=60)
MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash


@dataclass(frozen=True)
class Claims:
    recipient: str
    category: str
    channel: str
    expires_at: datetime


@dataclass(frozen=True)
class UnsubscribeKeys:
    secret: str = field(repr=False)
    ttl: timedelta = DEFAULT_TTL

    def __post_init__(self) -> None:
        if len(self.secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the unsubscribe secret must be at least {MIN_SECRET_BYTES} bytes")

    def issue(self, recipient: str, category: str, channel: str, now: datetime) -> str:
        claims = {
            "sub": recipient,
            "cat": category,
            "ch": channel,
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + self.ttl).timestamp()),
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def read(self, token: str) -> Claims:
        """The token's claims; ``Unauthorized`` (401) for a forged, expired or malformed one."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["sub", "cat", "ch", "exp", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthorized("this unsubscribe link has expired; use your preferences page") from error
        except jwt.InvalidTokenError as error:
            raise Unauthorized(f"invalid unsubscribe token: {error}") from error
        if claims["cat"] not in CATEGORIES or not isinstance(claims["sub"], str):
            raise Unauthorized("invalid unsubscribe token: unknown category")
        return Claims(
            claims["sub"], claims["cat"], claims["ch"], datetime.fromtimestamp(claims["exp"]).astimezone()
        )


@dataclass(frozen=True)
class UnsubscribeLinks:
    """Where an e-mail's ``List-Unsubscribe`` points: a one-click link for an optional category when
    keys are configured, else (and for mandatory categories) the preferences page."""

    base_url: str
    keys: UnsubscribeKeys | None = None

    @property
    def preferences_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/v1/me/preferences"

    def one_click(self, recipient: str, category: str, now: datetime) -> str | None:
        if self.keys is None or CATEGORIES[category].mandatory:
            return None
        token = self.keys.issue(recipient, category, "email", now)
        return f"{self.base_url.rstrip('/')}/v1/unsubscribe?{urlencode({'token': token})}"

    def preferences(self, category: str) -> str:
        return f"{self.preferences_url}?{urlencode({'category': category, 'channel': 'email'})}"

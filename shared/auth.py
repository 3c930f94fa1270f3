"""JWT bearer authentication with roles: RS256 only, exp/aud/iss checked, keys from a JWKS file or URL.

``AUTH_MODE=dev`` keeps real verification but uses a key pair kept in ``DEV_KEYS_DIR`` so that
``python -m shared.auth dev-token`` can mint tokens for local use; production uses ``JWT_JWKS_*``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, current_app, g, request

from shared.config import Settings
from shared.errors import Forbidden, Unauthorized

ROLES = ("admin", "participant", "hr", "service")
DEV_KEY_ID = "dev-1"
LEEWAY_S = 30
VERIFIED_CACHE_SIZE = 4096
VERIFIED_CACHE_TTL_S = 60.0
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Principal:
    """Who is calling: the employee id (``sub``) and the roles the token grants."""

    subject: str
    roles: frozenset[str]

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(self.roles.intersection(roles))


def _dev_private_key(keys_dir: str) -> rsa.RSAPrivateKey:
    """Load the local dev signing key, creating it atomically on first use."""
    path = Path(keys_dir) / "dev-signing-key.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pem)
        os.chmod(tmp, 0o600)
        if not path.exists():
            os.replace(tmp, path)
        else:
            tmp.unlink()
    return serialization.load_pem_private_key(path.read_bytes(), password=None)  # type: ignore[return-value]


def jwks_for_private_key(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public.update(kid=kid, use="sig", alg="RS256")
    return {"keys": [public]}


class TokenVerifier:
    """Verifies bearer tokens against the configured keys with a fixed algorithm list.

    A client sends the same token with every request, and an RS256 signature check costs more than the
    rest of a small request, so a verified token is remembered (by its exact bytes) for at most
    ``VERIFIED_CACHE_TTL_S``: its expiry is still checked on every use, and a rotated-out key stops
    being honoured within that time.
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self._verified: OrderedDict[str, tuple[Principal, float, float]] = OrderedDict()
        self._verified_lock = threading.Lock()
        self._jwks_client: jwt.PyJWKClient | None = None
        self._keys: dict[str, Any] = {}
        if settings.auth_mode == "dev":
            key = _dev_private_key(settings.dev_keys_dir)
            self._keys = {DEV_KEY_ID: key.public_key()}
        elif settings.jwt_jwks_file:
            jwk_set = jwt.PyJWKSet.from_json(Path(settings.jwt_jwks_file).read_text())
            self._keys = {k.key_id: k.key for k in jwk_set.keys}
        else:
            self._jwks_client = jwt.PyJWKClient(settings.jwt_jwks_url or "", cache_keys=True, lifespan=300)

    def _key_for(self, token: str) -> Any:
        if self._jwks_client is not None:
            return self._jwks_client.get_signing_key_from_jwt(token).key
        kid = jwt.get_unverified_header(token).get("kid")
        if kid in self._keys:
            return self._keys[kid]
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        raise jwt.InvalidTokenError("unknown signing key")

    def verify(self, token: str) -> Principal:
        now = self.clock()
        with self._verified_lock:
            cached = self._verified.get(token)
        if cached is not None and now - cached[2] <= VERIFIED_CACHE_TTL_S:
            principal, expires_at, _ = cached
        else:
            principal, expires_at = self._verify_signature_and_claims(token)
            with self._verified_lock:
                self._verified[token] = (principal, expires_at, now)
                self._verified.move_to_end(token)
                while len(self._verified) > VERIFIED_CACHE_SIZE:
                    self._verified.popitem(last=False)
        if now > expires_at + LEEWAY_S:  # checked on every use, remembered or not
            raise Unauthorized("invalid bearer token: Signature has expired")
        return principal

    def _verify_signature_and_claims(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._key_for(token),
                algorithms=list(self.settings.jwt_algorithms),
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False},
                leeway=LEEWAY_S,
            )
        except (jwt.PyJWTError, ValueError) as error:
            raise Unauthorized(f"invalid bearer token: {error}") from error
        expires_at = claims["exp"]
        if not isinstance(expires_at, int | float) or isinstance(expires_at, bool):
            raise Unauthorized("invalid bearer token: Expiration Time claim (exp) must be a number")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthorized("invalid bearer token: roles must be a list of strings")
        principal = Principal(subject=str(claims["sub"]), roles=frozenset(r for r in roles if r in ROLES))
        return principal, float(expires_at)


def current_principal() -> Principal:
    """Authenticate the current request (once) and return its principal."""
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token (Authorization: Bearer <jwt>)")
    g.principal = current_app.extensions["token_verifier"].verify(token.strip())
    return g.principal


ROLES_ATTRIBUTE = "required_roles"


def _authorise(roles: tuple[str, ...]) -> None:
    principal = current_principal()
    if roles and not principal.has_any(roles):
        raise Forbidden(f"requires one of the roles: {', '.join(roles)}")


def require_roles(*roles: str) -> Callable[[F], F]:
    """Route decorator: the caller must hold at least one of ``roles`` (none given: any valid token).

    The roles are also declared on the view, so ``init_app``'s hook checks them before flask-smorest parses
    the arguments, whatever order the decorators are stacked in; the wrapper checks again (cheaply: the
    principal is remembered per request) for views reached without the hook.
    """

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _authorise(roles)
            return view(*args, **kwargs)

        setattr(wrapper, ROLES_ATTRIBUTE, roles)
        return wrapper  # type: ignore[return-value]

    return decorator


def declared_roles(view: Callable[..., Any] | None) -> tuple[str, ...] | None:
    """The roles ``require_roles`` declared anywhere in a view's decorator chain (None: a public route)."""
    while view is not None:
        roles = getattr(view, ROLES_ATTRIBUTE, None)
        if roles is not None:
            return roles
        view = getattr(view, "__wrapped__", None)
    return None


def authenticate_before_parsing() -> None:
    """``before_request`` hook: a route that requires roles refuses a missing or bad token (401) or a
    missing role (403) before its body or query is parsed, so no caller learns field errors (422)
    without credentials, and no route's decorator order can change that."""
    roles = declared_roles(current_app.view_functions.get(request.endpoint or ""))
    if roles is not None:
        _authorise(roles)


def init_app(app: Flask) -> None:
    app.before_request(authenticate_before_parsing)


def mint_token(
    private_key: Any,
    subject: str,
    roles: Iterable[str],
    *,
    issuer: str,
    audience: str,
    ttl_s: int = 3600,
    kid: str = DEV_KEY_ID,
) -> str:
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": sorted(roles),
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})


def dev_token(settings: Settings, subject: str, roles: Iterable[str], ttl_s: int = 3600) -> str:
    """A token the services accept in ``AUTH_MODE=dev`` (local runs and tests only)."""
    key = _dev_private_key(settings.dev_keys_dir)
    return mint_token(
        key, subject, roles, issuer=settings.jwt_issuer, audience=settings.jwt_audience, ttl_s=ttl_s
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.auth", description="Local JWT helpers")
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("dev-token", help="mint a token the services accept in AUTH_MODE=dev")
    token.add_argument("--sub", default="E000001", help="employee id of the caller")
    token.add_argument("--role", action="append", choices=ROLES, help="repeat for several roles")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    args = parser.parse_args(argv)
    settings = Settings.from_env("intake", {**os.environ, "AUTH_MODE": "dev"})
    print(dev_token(settings, args.sub, args.role or ["admin"], args.ttl))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""JWT verification: RS256 from a JWKS file, exp/aud/iss enforced, no algorithm confusion."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import TokenVerifier, jwks_for_private_key, mint_token
from shared.config import Settings
from shared.errors import Unauthorized


@pytest.fixture
def signer(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(jwks_for_private_key(key, "k1")))
    settings = Settings.from_env("intake", {"JWT_JWKS_FILE": str(jwks)})
    return key, TokenVerifier(settings)


def _token(key, **overrides):
    return mint_token(
        key,
        "E000042",
        ["participant", "unknown-role"],
        issuer="reverse-mentoring",
        audience="reverse-mentoring-api",
        kid="k1",
        **overrides,
    )


def test_valid_token_yields_subject_and_known_roles_only(signer):
    key, verifier = signer
    principal = verifier.verify(_token(key))
    assert principal.subject == "E000042"
    assert principal.roles == frozenset({"participant"})


def test_expired_wrong_audience_and_wrong_issuer_are_refused(signer):
    key, verifier = signer
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(_token(key, ttl_s=-3600))
    other_audience = mint_token(
        key, "E1", ["admin"], issuer="reverse-mentoring", audience="billing", kid="k1"
    )
    with pytest.raises(Unauthorized, match=r"(?i)audience"):
        verifier.verify(other_audience)
    other_issuer = mint_token(key, "E1", ["admin"], issuer="evil", audience="reverse-mentoring-api", kid="k1")
    with pytest.raises(Unauthorized, match=r"(?i)issuer"):
        verifier.verify(other_issuer)


def test_tokens_signed_by_another_key_or_with_hs256_or_none_are_refused(signer):
    _, verifier = signer
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthorized):
        verifier.verify(_token(stranger))
    now = int(time.time())
    claims = {
        "sub": "E1",
        "roles": ["admin"],
        "iss": "reverse-mentoring",
        "aud": "reverse-mentoring-api",
        "iat": now,
        "exp": now + 60,
    }
    hs256 = jwt.encode(
        claims, "shared-secret-of-32-bytes-or-more!!", algorithm="HS256", headers={"kid": "k1"}
    )
    with pytest.raises(Unauthorized):
        verifier.verify(hs256)
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})
    with pytest.raises(Unauthorized):
        verifier.verify(unsigned)

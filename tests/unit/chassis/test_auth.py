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


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _verifier_with_clock(tmp_path, key):
    jwks = tmp_path / "jwks-clock.json"
    jwks.write_text(json.dumps(jwks_for_private_key(key, "k1")))
    clock = _Clock()
    return TokenVerifier(Settings.from_env("intake", {"JWT_JWKS_FILE": str(jwks)}), clock=clock), clock


def test_a_remembered_token_still_expires_on_time(signer, tmp_path):
    key, _ = signer
    verifier, clock = _verifier_with_clock(tmp_path, key)
    token = _token(key, ttl_s=40)
    assert verifier.verify(token).subject == "E000042"
    clock.now += 40 + 29  # inside the 30 s leeway: still accepted, from the cache
    assert verifier.verify(token).subject == "E000042"
    clock.now += 2
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_a_remembered_token_is_verified_again_after_a_minute_so_a_removed_key_stops_counting(
    signer, tmp_path
):
    key, _ = signer
    verifier, clock = _verifier_with_clock(tmp_path, key)
    token = _token(key, ttl_s=3600)
    verifier.verify(token)
    verifier._keys.clear()  # the key was rotated out of the JWKS
    assert verifier.verify(token).subject == "E000042"  # within the minute: remembered
    clock.now += 61
    with pytest.raises(Unauthorized, match="unknown signing key"):
        verifier.verify(token)


def test_a_tampered_copy_of_a_remembered_token_is_refused(signer):
    key, verifier = signer
    token = _token(key)
    verifier.verify(token)
    header, _, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(
        json.dumps({**jwt.decode(token, options={"verify_signature": False}), "sub": "E000001"}).encode()
    ).decode()
    with pytest.raises(Unauthorized):
        verifier.verify(f"{header}.{forged_payload}.{signature}")
